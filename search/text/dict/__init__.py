"""Data files for search.text (a package so that the .txt files ship in the wheel).

domain.txt: jieba user-dictionary format, one "word [freq] [tag]" per line, no comments (jieba
would read a comment line as a word); words in normalised form (simplified, lower-case).
synonyms.txt: one group of interchangeable names per line, space-separated; "#" starts a comment.
"""
