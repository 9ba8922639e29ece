"""The control protocol, independent of any transport."""
