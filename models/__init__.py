"""Speech-to-text models: where they come from, how they are verified, how they run."""
