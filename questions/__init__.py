"""What is asked and how an answer is judged: banks, normalisation, scoring (no devices, no I/O
beyond reading bank files)."""
