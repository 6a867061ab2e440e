"""What a caller may see and do: scope from principal, field rules, pseudonyms (ARCHITECTURE.md §6)."""
