"""`meetroom peer`: a headless room that logs in, answers by itself and shows a known picture (integrators' CI)."""
