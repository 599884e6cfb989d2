/// What RDV-Solidarités' sandbox fake and its clients agree on: the seeded
/// agents and their passwords, the seeded ids, the admin routes. The fake
/// answers the API at the sandbox's own address (`/api/v1/...`); `guichet
/// --sandbox` and the tests use these values (they are not secrets: they
/// only open the fake on loopback).
public enum RDVSandboxContract {
    /// The API's base URL on a sandbox listening at `baseURL` (paths are `/api/v1/...` under it).
    public static func apiURL(onSandbox baseURL: String) -> String { baseURL }

    /// The agent `guichet --sandbox` signs in: admin of both seeded organisations.
    public static let email = "agent@sandbox-rdv.fr"
    /// The seeded agent's password (the fake answers 401 to any other).
    public static let password = "sandbox-rdv-password"
    /// The seeded agent's id (`rdv.me().id`).
    public static let agentID = 1

    /// A second agent, a basic agent of the main organisation only: the
    /// other organisation and organisation updates are 403 for them.
    public static let basicAgentEmail = "basic@sandbox-rdv.fr"
    public static let basicAgentPassword = "sandbox-rdv-basic-password"
    public static let basicAgentID = 2
    /// A third agent (no sign-in): a referent of some users, in absences.
    public static let otherAgentID = 3
    public static let otherAgentEmail = "collegue@sandbox-rdv.fr"

    /// What the token prefixes look like, for the secret scan (`access-token`
    /// values are `sandbox-rdv-token-<hex>`, client ids `sandbox-rdv-client-<hex>`).
    public static let tokenPrefix = "sandbox-rdv-token-"
    public static let clientPrefix = "sandbox-rdv-client-"

    /// The organisation holding most of the data (départment 75).
    public static let mainOrganisation = 101
    /// A small organisation (départment 93), the basic agent is not in it.
    public static let otherOrganisation = 102
    /// The main organisation's RDVs: `rdvCount` of them, `rdvsPerWeekday`
    /// each weekday (09:00 to 15:30, Paris time) from `firstRDVDay` (a
    /// Monday) to `lastRDVDay`, both included: more than one page.
    public static let rdvCount = 240
    public static let rdvsPerWeekday = 10
    public static let firstRDVDay = "2025-01-06"
    public static let lastRDVDay = "2025-02-06"
    /// The main organisation's RDVs in January 2025 (20 weekdays).
    public static let januaryRDVCount = 200
    /// The other organisation's RDVs (one each Monday from `firstRDVDay`).
    public static let otherOrganisationRDVCount = 4
    /// Users: `userCount` in the main organisation (more than one page), ids
    /// from `firstUserID`; then `otherOrganisationUserCount` in the other
    /// organisation only; the first `sharedUserCount` are in both.
    public static let userCount = 130
    public static let otherOrganisationUserCount = 10
    public static let sharedUserCount = 5
    public static let firstUserID = 1001
    /// A user with a taken email (creating another user with it is a 422 `taken`).
    public static let takenEmail = "jeanne.martin@example.fr"
    /// Seeded motifs of the main organisation (ids from `firstMotifID`).
    public static let firstMotifID = 301
    public static let motifCount = 4
    /// Seeded absences (ids from `firstAbsenceID`).
    public static let firstAbsenceID = 501
    public static let absenceCount = 6
    /// A participation (of the first RDV) whose status can be set.
    public static let participationID = 70001
    /// The first RDV's id (RDV ids start here, ordered by start).
    public static let firstRDVID = 7001
    /// A seeded webhook endpoint of the main organisation, and its secret.
    public static let webhookID = 901
    public static let webhookSecret = "sandbox-rdv-webhook-secret"
    /// The département public_links answers for (`rdv.public_links{territory="75"}`).
    public static let territory = "75"

    /// Admin routes (POST JSON bodies), beside the harness's faults and request log:
    /// - `POST /__sandbox/rdv/evict` `{"email": ...}` (default the main agent): signs the agent in
    ///   elsewhere, so its live token is dead (401) as after a sign-in from another tool.
    /// - `POST /__sandbox/rdv/settings` `{"token_lifetime": seconds, "expire_tokens": true}`.
    /// - `POST /__sandbox/rdv/settings` also takes `{"public_links_per_minute": n}` (RDV's is 50).
    /// - `GET /__sandbox/rdv/stats` → `{"sign_ins": n, "sign_outs": n, "failed_sign_ins": n, "evictions": n,
    ///   "webhook_replays": n}` (replays: endpoints created or updated without `trigger: false`).
    /// - `GET /__sandbox/rdv/webhook_deliveries` → `{"deliveries": [{"webhook_id", "target_url", "model",
    ///   "event", "body", "signature"}]}`: the webhooks RDV would have sent after each change made through
    ///   the API (body raw, signature `hex(HMAC-SHA256(secret, body))`); `POST .../webhook_deliveries/clear`.
    public static let adminPrefix = "/__sandbox/rdv"
}
