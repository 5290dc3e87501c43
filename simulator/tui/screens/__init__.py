"""The screens of the Textual interface."""
