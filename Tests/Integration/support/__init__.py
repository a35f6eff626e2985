"""Helpers shared by the integration tests and the quickstart: a test Prosody, a Trestle process, an XMPP user client."""
