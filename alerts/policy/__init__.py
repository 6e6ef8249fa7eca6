"""Who hears of an incident, and when: routes, matchers, silences, quiet hours, caps, dispatch."""
