"""The pure core: proposals, findings, the review workflow. No SDK imports, no clock reads."""
