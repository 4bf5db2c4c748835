"""Publishers: one per platform behind the Publisher protocol, plus the outbox dry run."""
