"""The rule-pack authoring toolkit: checks for authors, case runs, score sheets, scaffolds, schemas,
profile templates and explanations. The CLI (`assess pack …`, `assess schema …`, `assess profile init`,
`assess explain`) is a thin layer over these modules."""
