"""Sound in and out (TTS, microphone, playback) behind small interfaces."""
