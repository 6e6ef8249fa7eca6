"""What each mention says and how far it goes: sentiment, language, reach, terms."""
