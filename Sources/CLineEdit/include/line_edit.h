// Line editing for the REPL through libedit (BSD licence) and its
// readline-compatible API. GNU readline (GPL) is never used.
#ifndef GUICHET_LINE_EDIT_H
#define GUICHET_LINE_EDIT_H

#include <stddef.h>

/// Completion: given the whole line and the cursor, returns a
/// NULL-terminated, malloc'd array of malloc'd candidates for the word
/// before the cursor (each candidate replaces that word), or NULL.
typedef char **(*guichet_completer)(const char *line, int cursor, int word_start);

void guichet_edit_init(const char *program, guichet_completer completer);

/// Reads one line with editing. Returns a malloc'd string, or NULL at end
/// of input (Ctrl-D on an empty line). When Ctrl-C clears the line, returns
/// an empty string and sets *interrupted.
char *guichet_edit_readline(const char *prompt, int *interrupted);

void guichet_edit_add_history(const char *entry);

#endif
