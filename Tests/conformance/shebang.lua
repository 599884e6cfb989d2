#!/usr/bin/env guichet
print("shebang skipped", ...)
