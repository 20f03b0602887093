"""Run by every Python process a `make check` test starts (this folder is on PYTHONPATH):
the same guard as in pytest's process, see fastlane.py."""

import fastlane

if fastlane.active():
    fastlane.install()
