"""The built-in content, registered through the same hooks a third-party plugin uses."""
