"""Relationship measures: what a couple and their counsellor care about, from per-message signals.

Data flows one way: a :class:`~attune.conversation.Conversation` and its per-message signals
(``attune.signals``) become exchanges and turns (:mod:`.exchanges`), bids for connection and their
outcomes (:mod:`.bids`), and the measures of engagement, attunement, vulnerability, obstacles and
quality time, per partner, per week and overall, each with the messages behind it
(:mod:`.analysis`).
"""
