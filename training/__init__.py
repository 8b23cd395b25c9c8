"""Dev-time training of Attune's signals model (docs/signals_model.md); not used at run time."""
