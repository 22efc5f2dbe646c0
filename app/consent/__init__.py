"""Consent per campaign type (ActiveCampaign's SMS consent): topics, consents with evidence, and
whether a message may go out."""
