"""Cross-border correlation (issue #6): exact selector correlation and identity matching.

`dozor.matching.identity` compares and indexes persons written in any script or
transliteration; `dozor.matching.batch` deduplicates a whole list of persons.
"""
