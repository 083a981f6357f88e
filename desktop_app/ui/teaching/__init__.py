"""Model > Teach…: training a LoRA adapter on kept answers or a file, its worker, and the
dialogs of kept examples."""
