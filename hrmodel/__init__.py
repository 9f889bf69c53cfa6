"""The HR model at the bottom of the house: the canonical schemas (`hrmodel.canonical`) and the entity
catalogue (`hrmodel.catalogue`). Every other package builds on it; it imports nothing else of the project."""
