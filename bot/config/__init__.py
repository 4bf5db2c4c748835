"""The organisation's configuration: settings (environment, .env, config/settings.yaml), the
schedule file, the policy file, and the YAML reader that names file and line for every mistake."""
