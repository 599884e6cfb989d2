import Foundation
import GuichetCore

extension JSONValue {
    /// From JSONSerialization's output (integers stay integers).
    init(foundation value: Any) {
        switch value {
        case let number as NSNumber:
            // objCType tells booleans ("c"), integers ("q", "l", ...) and floats ("d", "f") apart.
            switch String(cString: number.objCType) {
            case "c", "B": self = .bool(number.boolValue)
            case "d", "f": self = .double(number.doubleValue)
            default: self = .int(number.intValue)
            }
        case let string as String: self = .string(string)
        case let array as [Any]: self = .array(array.map(JSONValue.init(foundation:)))
        case let dictionary as [String: Any]:
            self = .object(dictionary.sorted(by: { $0.key < $1.key }).map { entry in (entry.key, JSONValue(foundation: entry.value)) })
        default: self = .null
        }
    }
}
