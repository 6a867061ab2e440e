"""What a caller may see and do: scope from principal, field rules, pseudonyms (docs/ARCHITECTURE.md §6)."""
