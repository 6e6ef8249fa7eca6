"""The stream side of badbuzz: Faust app, topics, records, tables, agents and CLI."""
