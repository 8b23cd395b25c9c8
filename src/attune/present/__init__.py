"""Present: what a person sees — the CLI, summaries, JSON and reports."""
