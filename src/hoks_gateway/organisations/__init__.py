"""Organisations (organisaatiot): the OPH tree of koulutustoimijat, oppilaitokset, toimipisteet."""
