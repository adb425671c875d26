"""Helpers the tests share (services, settings, processes, servers); conftest.py files wrap them in fixtures."""
