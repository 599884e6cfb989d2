/// Values a module keeps beside a Lua state (its settings, its client),
/// one per type, looked up by that type: no string keys, no casts at the
/// call site. mlua calls this "app data".
public struct AppData {
    private var values: [ObjectIdentifier: Any] = [:]

    public init() {}

    /// The value of type `T`, if one was stored.
    public subscript<T>(_ type: T.Type) -> T? {
        get { values[ObjectIdentifier(type)] as? T }
        set { values[ObjectIdentifier(type)] = newValue }
    }

    /// The value of type `T`, created by `make` and stored on first use.
    public mutating func value<T, E: Error>(_ type: T.Type, orMake make: () throws(E) -> T) throws(E) -> T {
        if let value = self[type] { return value }
        let value = try make()
        self[type] = value
        return value
    }
}
