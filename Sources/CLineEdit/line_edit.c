#include "line_edit.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

static guichet_completer swift_completer;
static char **pending;      // candidates handed to libedit one by one
static int pending_index;

static int interrupt_pipe[2] = { -1, -1 };
static volatile sig_atomic_t interrupted_flag;

static void on_interrupt(int sig) {
    (void)sig;
    interrupted_flag = 1;
    if (interrupt_pipe[1] >= 0) { char c = 1; (void)write(interrupt_pipe[1], &c, 1); }
}

// libedit takes one character per call: a UTF-8 sequence becomes its code point.
static int decode_utf8(unsigned char first) {
    int extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0;
    if (extra == 0) return first;
    int code = first & (0x3F >> extra);
    for (int i = 0; i < extra; i++) {
        unsigned char next;
        if (read(0, &next, 1) != 1 || (next & 0xC0) != 0x80) return 0xFFFD;
        code = (code << 6) | (next & 0x3F);
    }
    return code;
}

// Reads a key, or turns Ctrl-C into "forget this line": the line is emptied
// and accepted, so readline returns "" and the REPL shows a fresh prompt.
static int read_key(FILE *stream) {
    (void)stream;
    for (;;) {
        struct pollfd fds[2] = { { 0, POLLIN, 0 }, { interrupt_pipe[0], POLLIN, 0 } };
        int ready = poll(fds, 2, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            return EOF;
        }
        if (fds[1].revents & POLLIN) {
            char drain[16];
            (void)read(interrupt_pipe[0], drain, sizeof drain);
            rl_replace_line("", 0);
            rl_point = rl_end = 0;
            return '\n';
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            unsigned char c;
            ssize_t n = read(0, &c, 1);
            if (n < 0 && errno == EINTR) continue;
            if (n != 1) return EOF;
            return decode_utf8(c);
        }
    }
}

static char *next_candidate(const char *text, int state) {
    (void)text;
    if (state == 0) pending_index = 0;
    if (pending == NULL || pending[pending_index] == NULL) return NULL;
    return strdup(pending[pending_index++]);
}

static char **complete(const char *text, int start, int end) {
    (void)end;
    rl_attempted_completion_over = 1;  // no file-name completion as a fallback
    rl_completion_append_character = '\0';  // "ds.dossier" is followed by "(" or ".", not a space
    if (pending != NULL) {
        for (int i = 0; pending[i] != NULL; i++) free(pending[i]);
        free(pending);
        pending = NULL;
    }
    if (swift_completer == NULL) return NULL;
    pending = swift_completer(rl_line_buffer, rl_point, start);
    if (pending == NULL || pending[0] == NULL) return NULL;
    return rl_completion_matches(text, next_candidate);
}

void guichet_edit_init(const char *program, guichet_completer completer) {
    swift_completer = completer;
    // libedit edits UTF-8 (é, «, €) only under a UTF-8 character type.
    // Only LC_CTYPE: numbers keep formatting as Lua expects.
    setlocale(LC_CTYPE, "");
    rl_readline_name = program;
    rl_catch_signals = 0;
    // Words break on spaces and operators, not on '.' or ':': the completer
    // sees "ds.dos" and "d:acc" whole.
    rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{(,+-*/%^~#[]";
    rl_attempted_completion_function = complete;
    rl_getc_function = read_key;
    if (interrupt_pipe[0] < 0 && pipe(interrupt_pipe) != 0) interrupt_pipe[0] = interrupt_pipe[1] = -1;
    rl_initialize();
}

char *guichet_edit_readline(const char *prompt, int *interrupted) {
    struct sigaction action, previous;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous);
    interrupted_flag = 0;
    char *line = readline(prompt);
    sigaction(SIGINT, &previous, NULL);
    *interrupted = interrupted_flag;
    return line;
}

void guichet_edit_add_history(const char *entry) {
    add_history(entry);
}
