"""Teaching the answering model: a LoRA adapter trained on the user's examples, in a child
process, exported as a GGUF adapter that llama.cpp applies (see trainer.py)."""
