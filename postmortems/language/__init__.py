"""The blameless-language rules engine (pure text in, findings out; no models)."""
