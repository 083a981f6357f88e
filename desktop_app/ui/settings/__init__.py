"""Model settings: the dialog (model, LoRA adapter and scale, instructions, context, threads,
the embedding models search uses)."""
