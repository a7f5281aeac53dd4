"""The reversal reports themselves live in kits.models; the public form's rate limit in redliv.ratelimit."""
