"""Output formats. Each reads only the Assessment; each is registered as a built-in plugin."""
