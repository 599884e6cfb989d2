import GuichetHost

enum Help {
    static let commandLine = """
        guichet \(guichetVersion): scripts and a REPL for France's public-service APIs, in Lua 5.4.

        usage: guichet [options] [script [args]]
          -e stat   execute string 'stat'
          -i        enter interactive mode after executing 'script'
          -l mod    require library 'mod' into global 'mod'
          -l g=mod  require library 'mod' into global 'g'
          -v        show version information
          -E        ignore environment variables
          -W        turn warnings on
          --        stop handling options
          -         stop handling options and execute stdin
          --help    show this help
          --version show the version

        With no script, guichet reads a script from stdin, or opens the REPL on a terminal.
        Modules are globals, loaded on first use: json, pp, csv, parallel, guichet.
        """
}
