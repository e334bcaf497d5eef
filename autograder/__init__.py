"""The assignment's tooling: generate student material (``assign``) and grade (``grade``)."""
