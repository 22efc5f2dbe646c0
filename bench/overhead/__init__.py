"""`./dev bench overhead`: what the metrics and the request log cost the hot paths."""
