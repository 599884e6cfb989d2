import GuichetCore
import Transport

/// The Apidae read API (v002), over the shared REST client: the project's
/// `apiKey` and `projetId` travel inside each request (`KeyInRequest`).
public final class ApidaeClient: Sendable {
    public static let defaultURL = "https://api.apidae-tourisme.com"
}
