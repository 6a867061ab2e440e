"""Learners (oppijat) and their study rights (opiskeluoikeudet): the registry."""
