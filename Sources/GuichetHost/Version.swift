/// guichet's version, shown by `guichet -v` and `guichet.version`.
public let guichetVersion = "0.1.0"
