import Foundation
import GuichetCore
import RDV

/// The fake RDV-Solidarités' data: agents and their one live token each,
/// organisations, motifs, lieux, users, RDVs, absences, webhook endpoints.
/// Ids and counts are those of `RDVSandboxContract`.
struct RDVWorld: Sendable {
    struct Agent: Sendable {
        var id: Int, email: String, firstName: String
        var lastName: String
        var password: String?
        /// Organisation id -> "admin" or "basic".
        var roles: [Int: String]
    }

    struct Token: Sendable {
        var access: String
        var client: String
        var expiry: Int
    }

    struct Organisation: Sendable {
        var id: Int
        var name: String
        var email: String?
        var phoneNumber: String?
        var departementNumber: String, cityCodes: [String], verticale: String
        var externalID: String
    }

    struct Motif: Sendable {
        var id: Int, organisationID: Int, name: String
        var locationType: String, bookablePublicly: Bool, bookableBy: String
        var serviceID: Int
        var deletedAt: String?
        var category: (id: Int, name: String, shortName: String)?
        var collectif: Bool
    }

    struct Lieu: Sendable {
        var id: Int, organisationID: Int, name: String
        var address: String
        var phoneNumber: String?
    }

    struct User: Sendable {
        var id: Int
        /// The user's attributes as the API writes them (email, first_name...).
        var fields: [String: JSONValue]
        var organisations: Set<Int>
        var createdAt: Int
    }

    struct Participation: Sendable {
        var id: Int
        var userID: Int
        var status: String
    }

    struct Rdv: Sendable {
        var id: Int, organisationID: Int, startsAt: Int
        var duration: Int, motifID: Int
        var lieuID: Int?
        var agentIDs: [Int], participations: [Participation], status: String
        var collectif: Bool
        var context: String?
    }

    struct Absence: Sendable {
        var id: Int, agentID: Int, organisationID: Int
        var title: String, firstDay: Int, endDay: Int
        var startTime: Int, endTime: Int
    }

    struct Webhook: Sendable {
        var id: Int, organisationID: Int, targetURL: String
        var secret: String, subscriptions: [String]
    }

    /// A webhook RDV would send: the raw body and its signature.
    struct Delivery: Sendable {
        var webhookID: Int, targetURL: String, model: String
        var event: String, body: String, signature: String
    }

    var agents: [Int: Agent] = [:]
    var tokens: [Int: Token] = [:]
    var organisations: [Int: Organisation] = [:]
    var motifs: [Motif] = []
    var lieux: [Int: Lieu] = [:]
    var users: [Int: User] = [:]
    var rdvs: [Rdv] = []
    var absences: [Int: Absence] = [:]
    var webhooks: [Int: Webhook] = [:]
    /// (agent id, user id) pairs.
    var referents: Set<[Int]> = []
    var nextID = 20000

    // Settings and counters.
    var tokenLifetime = 86400
    var publicLinksPerMinute = 50
    var publicLinkHits: [Int] = []
    var signIns = 0
    var signOuts = 0
    var failedSignIns = 0
    var evictions = 0
    var webhookReplays = 0
    var deliveries: [Delivery] = []

    mutating func newID() -> Int {
        nextID += 1
        return nextID
    }

    static let seededAt = RDVTime.fromParis(localSeconds: RDVTime.days(year: 2024, month: 12, day: 2) * 86400 + 10 * 3600)

    static let firstNames = ["Jeanne", "Louis", "Camille", "Hugo", "Léa", "Karim", "Inès", "Paul", "Chloé", "Yanis", "Manon", "Théo", "Sarah",
                             "Lucas", "Fatou", "Nathan"]
    static let lastNames = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
                            "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand"]

    /// The seeded world.
    static func seeded() -> RDVWorld {
        typealias C = RDVSandboxContract
        var world = RDVWorld()
        let main = C.mainOrganisation, other = C.otherOrganisation
        world.agents[C.agentID] = Agent(id: C.agentID, email: C.email, firstName: "Alix", lastName: "Fontaine", password: C.password,
                                        roles: [main: "admin", other: "admin"])
        world.agents[C.basicAgentID] = Agent(id: C.basicAgentID, email: C.basicAgentEmail, firstName: "Bruno", lastName: "Garnier",
                                             password: C.basicAgentPassword, roles: [main: "basic"])
        world.agents[C.otherAgentID] = Agent(id: C.otherAgentID, email: C.otherAgentEmail, firstName: "Claire", lastName: "Henry",
                                             password: nil, roles: [main: "basic", other: "basic"])

        world.organisations[main] = Organisation(id: main, name: "Maison des solidarités Paris Centre", email: "mds-centre@sandbox-rdv.fr",
                                                 phoneNumber: "01 40 00 00 00", departementNumber: "75", cityCodes: ["75056", "75101", "75102"],
                                                 verticale: "rdv_solidarites", externalID: "mds-paris-centre")
        world.organisations[other] = Organisation(id: other, name: "Espace insertion Saint-Denis", email: nil, phoneNumber: nil,
                                                  departementNumber: "93", cityCodes: ["93066"], verticale: "rdv_insertion",
                                                  externalID: "ei-saint-denis")

        let category = (id: 41, name: "RSA orientation", shortName: "rsa_orientation")
        world.motifs = [
            Motif(id: C.firstMotifID, organisationID: main, name: "Accueil", locationType: "public_office", bookablePublicly: true,
                  bookableBy: "everyone", serviceID: 11, deletedAt: nil, category: nil, collectif: false),
            Motif(id: C.firstMotifID + 1, organisationID: main, name: "Entretien téléphonique", locationType: "phone", bookablePublicly: false,
                  bookableBy: "agents", serviceID: 11, deletedAt: nil, category: category, collectif: false),
            Motif(id: C.firstMotifID + 2, organisationID: main, name: "Atelier collectif", locationType: "public_office", bookablePublicly: true,
                  bookableBy: "agents_and_prescripteurs", serviceID: 12, deletedAt: nil, category: (42, "RSA accompagnement", "rsa_accompagnement"),
                  collectif: true),
            Motif(id: C.firstMotifID + 3, organisationID: main, name: "Ancienne permanence", locationType: "home", bookablePublicly: false,
                  bookableBy: "agents", serviceID: 12, deletedAt: "2024-06-30 18:00:00 +0200", category: nil, collectif: false),
            Motif(id: C.firstMotifID + 10, organisationID: other, name: "Orientation RSA", locationType: "public_office", bookablePublicly: true,
                  bookableBy: "everyone", serviceID: 13, deletedAt: nil, category: category, collectif: false),
        ]
        world.lieux[201] = Lieu(id: 201, organisationID: main, name: "MDS Paris Centre", address: "12 rue de Rivoli, Paris, 75004", phoneNumber: "01 40 00 00 00")
        world.lieux[202] = Lieu(id: 202, organisationID: other, name: "Espace insertion", address: "3 place du Caquet, Saint-Denis, 93200", phoneNumber: nil)

        // Users: the main organisation's, then the other's; the first few are in both.
        for i in 0..<(C.userCount + C.otherOrganisationUserCount) {
            let id = C.firstUserID + i
            let first = firstNames[i % firstNames.count], last = lastNames[(i / firstNames.count + i) % lastNames.count]
            let email = i == 0 ? C.takenEmail : "\(fold(first)).\(fold(last)).\(id)@example.fr"
            var organisations: Set<Int> = i < C.userCount ? [main] : [other]
            if i < C.sharedUserCount { organisations.insert(other) }
            let phone = String(format: "06%08d", 12_340_000 + i)
            world.users[id] = User(id: id, fields: [
                "first_name": .string(first), "last_name": .string(last.uppercased()), "email": .string(email),
                "birth_date": .string(String(format: "%04d-%02d-%02d", 1950 + i % 50, 1 + i % 12, 1 + i % 28)),
                "address": .string("\(1 + i) rue de la Paix, Paris, 75002"), "phone_number": .string(phone),
                "phone_number_formatted": .string("+33" + phone.dropFirst()),
                "caisse_affiliation": .string(i % 3 == 0 ? "caf" : i % 3 == 1 ? "msa" : "aucun"),
                "affiliation_number": .string(String(1_000_000 + i)), "family_situation": .string(["single", "in_a_relationship", "divorced"][i % 3]),
                "number_of_children": .int(i % 4), "notify_by_sms": .bool(true), "notify_by_email": .bool(i % 2 == 0),
            ], organisations: organisations, createdAt: seededAt)
        }
        world.referents = [[C.agentID, C.firstUserID], [C.otherAgentID, C.firstUserID + 1]]

        // RDVs: ten a weekday in the main organisation, from firstRDVDay to lastRDVDay; a few in the other.
        let slots = [9 * 60, 9 * 60 + 30, 10 * 60, 10 * 60 + 30, 11 * 60, 11 * 60 + 30, 14 * 60, 14 * 60 + 30, 15 * 60, 15 * 60 + 30]
        let statuses = ["seen", "seen", "noshow", "seen", "excused", "revoked", "seen", "unknown"]
        var participation = C.participationID
        var rdvID = C.firstRDVID
        var day = RDVTime.date(C.firstRDVDay) ?? 0
        let last = RDVTime.date(C.lastRDVDay) ?? 0
        var n = 0
        while day <= last {
            if RDVTime.weekday(day) < 5 {
                for (s, minutes) in slots.enumerated() {
                    // The atelier (collective) is the 14:00 slot on Thursdays.
                    let collectif = RDVTime.weekday(day) == 3 && s == 6
                    let motif = collectif ? C.firstMotifID + 2 : C.firstMotifID + (n % 2)
                    let status = statuses[n % statuses.count]
                    let people = collectif ? [0, 1, 2] : [0]
                    var participations: [Participation] = []
                    for k in people {
                        participations.append(Participation(id: participation, userID: C.firstUserID + (n * 7 + k * 13) % C.userCount, status: status))
                        participation += 1
                    }
                    let agent = n % 3 == 2 ? C.otherAgentID : n % 3 == 1 ? C.basicAgentID : C.agentID
                    world.rdvs.append(Rdv(id: rdvID, organisationID: main, startsAt: RDVTime.fromParis(localSeconds: day * 86400 + minutes * 60),
                                          duration: collectif ? 90 : 30, motifID: motif, lieuID: motif == C.firstMotifID + 1 ? nil : 201,
                                          agentIDs: [agent], participations: participations, status: status, collectif: collectif,
                                          context: n % 5 == 0 ? "Premier rendez-vous" : nil))
                    rdvID += 1
                    n += 1
                }
            }
            day += 1
        }
        let firstDay = RDVTime.date(C.firstRDVDay) ?? 0
        for k in 0..<C.otherOrganisationRDVCount {
            world.rdvs.append(Rdv(id: rdvID, organisationID: other, startsAt: RDVTime.fromParis(localSeconds: (firstDay + k * 7) * 86400 + 10 * 3600),
                                  duration: 45, motifID: C.firstMotifID + 10, lieuID: 202, agentIDs: [C.otherAgentID],
                                  participations: [Participation(id: participation, userID: C.firstUserID + C.userCount + k, status: "seen")],
                                  status: "seen", collectif: false, context: nil))
            rdvID += 1
            participation += 1
        }
        world.rdvs.sort { ($0.startsAt, $0.id) < ($1.startsAt, $1.id) }

        // Absences: agents of the main organisation, two weeks of January and later.
        let absences: [(Int, String, String, String, String, String)] = [
            (C.agentID, "Formation", "2025-01-06", "09:00", "2025-01-06", "12:00"),
            (C.basicAgentID, "Congés", "2025-01-08", "00:00", "2025-01-10", "23:59"),
            (C.otherAgentID, "Réunion d'équipe", "2025-01-09", "14:00", "2025-01-09", "16:00"),
            (C.agentID, "Congés", "2025-01-13", "00:00", "2025-01-17", "23:59"),
            (C.otherAgentID, "Formation", "2025-01-15", "09:30", "2025-01-15", "17:30"),
            (C.basicAgentID, "Médecin", "2025-02-03", "08:00", "2025-02-03", "10:00"),
        ]
        for (i, absence) in absences.enumerated() {
            let id = C.firstAbsenceID + i
            world.absences[id] = Absence(id: id, agentID: absence.0, organisationID: main, title: absence.1,
                                         firstDay: RDVTime.date(absence.2) ?? 0, endDay: RDVTime.date(absence.4) ?? 0,
                                         startTime: RDVTime.time(absence.3) ?? 0, endTime: RDVTime.time(absence.5) ?? 0)
        }
        world.webhooks[C.webhookID] = Webhook(id: C.webhookID, organisationID: main, targetURL: "https://example.org/rdv-webhook",
                                              secret: C.webhookSecret, subscriptions: ["rdv", "absence"])
        return world
    }

    static let models = ["rdv": "Rdv", "absence": "Absence", "user": "User", "user_profile": "UserProfile", "organisation": "Organisation",
                         "referent_assignation": "ReferentAssignation", "motif": "Motif", "lieu": "Lieu", "agent": "Agent",
                         "plage_ouverture": "PlageOuverture", "agent_role": "AgentRole"]

    /// What RDV sends after a change (`created`, `updated`, `destroyed`) to
    /// the endpoints of `organisations` subscribed to `subscription`:
    /// `{"data": ..., "meta": {"model", "event", "webhook_reason", "timestamp"}}`,
    /// signed with the endpoint's secret. Kept in the outbox the admin route reads.
    mutating func emit(_ subscription: String, _ event: String, _ data: JSONValue, organisations: Set<Int>) {
        for webhook in webhooks.values.sorted(by: { $0.id < $1.id })
        where organisations.contains(webhook.organisationID) && webhook.subscriptions.contains(subscription) {
            deliver(subscription, event, data, to: webhook)
        }
    }

    /// What RDV does when an endpoint is created or updated without
    /// `trigger: false`: every record of its organisation it subscribes to, sent as `created`.
    mutating func replay(to webhook: Webhook) {
        webhookReplays += 1
        let id = webhook.organisationID
        var records: [(String, JSONValue)] = []
        for subscription in webhook.subscriptions {
            switch subscription {
            case "rdv": records += rdvs.filter { $0.organisationID == id }.map { (subscription, json($0)) }
            case "absence":
                records += absences.values.filter { $0.organisationID == id }.sorted { $0.id < $1.id }.map { (subscription, json($0)) }
            case "user":
                records += users.values.filter { $0.organisations.contains(id) }.sorted { $0.id < $1.id }.map { (subscription, json($0)) }
            case "user_profile":
                if let organisation = organisations[id] {
                    records += users.values.filter { $0.organisations.contains(id) }.sorted { $0.id < $1.id }.map {
                        (subscription, .object([("user", json($0, nested: true)), ("organisation", json(organisation))]))
                    }
                }
            case "organisation": records += organisations[id].map { [(subscription, json($0))] } ?? []
            case "motif": records += motifs.filter { $0.organisationID == id }.map { (subscription, json($0)) }
            case "lieu": records += lieux.values.filter { $0.organisationID == id }.sorted { $0.id < $1.id }.map { (subscription, json($0)) }
            case "agent": records += agents.values.filter { $0.roles[id] != nil }.sorted { $0.id < $1.id }.map { (subscription, json($0)) }
            case "referent_assignation":
                records += referents.sorted { $0.lexicographicallyPrecedes($1) }.compactMap { pair in
                    guard let agent = agents[pair[0]], let user = users[pair[1]], user.organisations.contains(id) else { return nil }
                    return (subscription, .object([("user", json(user, nested: true)), ("agent", json(agent))]))
                }
            default: break
            }
        }
        for (subscription, data) in records { deliver(subscription, "created", data, to: webhook) }
    }

    mutating func deliver(_ subscription: String, _ event: String, _ data: JSONValue, to webhook: Webhook) {
        let model = RDVWorld.models[subscription] ?? subscription
        let body = JSONValue.object([
            ("data", data),
            ("meta", .object([("model", .string(model)), ("event", .string(event)), ("webhook_reason", .null),
                              ("timestamp", .string(RDVTime.format(Int(Date().timeIntervalSince1970))))])),
        ]).serialized()
        deliveries.append(Delivery(webhookID: webhook.id, targetURL: webhook.targetURL, model: model, event: event,
                                   body: String(decoding: body, as: UTF8.self),
                                   signature: RDVSignature.sign(body, secret: Array(webhook.secret.utf8))))
    }

    /// An email-safe ASCII version of a name.
    static func fold(_ text: String) -> String {
        text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).filter { $0.isLetter && $0.isASCII }
    }

    // MARK: - As the API writes them

    func json(_ agent: Agent) -> JSONValue {
        .object([("id", .int(agent.id)), ("email", .string(agent.email)), ("first_name", .string(agent.firstName)),
                 ("inclusion_connect_open_id_sub", .null), ("last_name", .string(agent.lastName))])
    }

    func json(_ organisation: Organisation) -> JSONValue {
        .object([("id", .int(organisation.id)), ("email", organisation.email.map(JSONValue.string) ?? .null), ("name", .string(organisation.name)),
                 ("phone_number", organisation.phoneNumber.map(JSONValue.string) ?? .null), ("verticale", .string(organisation.verticale))])
    }

    func json(_ motif: Motif) -> JSONValue {
        let category: JSONValue = motif.category.map {
            .object([("id", .int($0.id)), ("name", .string($0.name)), ("short_name", .string($0.shortName))])
        } ?? .null
        return .object([("id", .int(motif.id)), ("bookable_by", .string(motif.bookableBy)), ("bookable_publicly", .bool(motif.bookablePublicly)),
                        ("collectif", .bool(motif.collectif)), ("deleted_at", motif.deletedAt.map(JSONValue.string) ?? .null),
                        ("follow_up", .bool(false)), ("instruction_for_rdv", .null), ("location_type", .string(motif.locationType)),
                        ("motif_category", category), ("name", .string(motif.name)), ("organisation_id", .int(motif.organisationID)),
                        ("service_id", .int(motif.serviceID))])
    }

    func json(_ lieu: Lieu) -> JSONValue {
        .object([("id", .int(lieu.id)), ("address", .string(lieu.address)), ("name", .string(lieu.name)),
                 ("organisation_id", .int(lieu.organisationID)), ("phone_number", lieu.phoneNumber.map(JSONValue.string) ?? .null),
                 ("single_use", .bool(false))])
    }

    static let userKeys = ["address", "address_details", "affiliation_number", "birth_date", "birth_name", "caisse_affiliation", "case_number",
                           "created_at", "email", "family_situation", "first_name", "invitation_accepted_at", "invitation_created_at",
                           "last_name", "logement", "notes", "notify_by_email", "notify_by_sms", "number_of_children", "phone_number",
                           "phone_number_formatted", "responsible", "responsible_id", "user_profiles"]

    /// A user; `nested` for a user inside another record (no profiles, no responsible).
    func json(_ user: User, nested: Bool = false) -> JSONValue {
        var fields: [(String, JSONValue)] = [("id", .int(user.id))]
        for key in RDVWorld.userKeys {
            switch key {
            case "created_at": fields.append((key, .string(RDVTime.format(user.createdAt))))
            case "user_profiles":
                fields.append((key, nested ? .null : .array(user.organisations.sorted().compactMap { organisations[$0] }.map {
                    .object([("organisation", json($0))])
                })))
            case "responsible":
                let responsible = user.fields["responsible_id"]?.intValue.flatMap { users[$0] }
                fields.append((key, nested ? .null : responsible.map { json($0, nested: true) } ?? .null))
            case "notify_by_email", "notify_by_sms": fields.append((key, user.fields[key] ?? .bool(false)))
            default: fields.append((key, user.fields[key] ?? .null))
            }
        }
        return .object(fields)
    }

    func json(_ rdv: Rdv) -> JSONValue {
        let motif = motifs.first { $0.id == rdv.motifID }
        let lieu = rdv.lieuID.flatMap { lieux[$0] }
        let agentsJSON = rdv.agentIDs.compactMap { agents[$0] }.map { json($0) }
        let participants = rdv.participations.compactMap { p in users[p.userID].map { (p, $0) } }
        let creator = rdv.agentIDs.first ?? 0
        return .object([
            ("id", .int(rdv.id)), ("address", .string(lieu?.address ?? "Par téléphone")), ("agents", .array(agentsJSON)),
            ("cancelled_at", ["excused", "revoked"].contains(rdv.status) ? .string(RDVTime.format(rdv.startsAt - 86400)) : .null),
            ("collectif", .bool(rdv.collectif)), ("context", rdv.context.map(JSONValue.string) ?? .null),
            ("created_by", .string("agent")), ("created_by_id", .int(creator)), ("created_by_type", .string("Agent")),
            ("duration_in_min", .int(rdv.duration)), ("ends_at", .string(RDVTime.format(rdv.startsAt + rdv.duration * 60))),
            ("lieu", lieu.map { json($0) } ?? .null), ("max_participants_count", rdv.collectif ? .int(12) : .null),
            ("motif", motif.map { json($0) } ?? .null), ("name", rdv.collectif ? .string(motif?.name ?? "Atelier") : .null),
            ("organisation", organisations[rdv.organisationID].map { json($0) } ?? .null),
            ("participations", .array(participants.map { p, user in
                .object([("id", .int(p.id)), ("created_by", .string("agent")), ("created_by_agent_prescripteur", .bool(false)),
                         ("created_by_id", .int(creator)), ("created_by_type", .string("Agent")), ("send_lifecycle_notifications", .bool(true)),
                         ("send_reminder_notification", .bool(true)), ("status", .string(p.status)), ("user", json(user, nested: true))])
            })),
            ("starts_at", .string(RDVTime.format(rdv.startsAt))), ("status", .string(rdv.status)),
            ("users", .array(participants.map { json($0.1, nested: true) })), ("users_count", .int(participants.count)),
            ("uuid", .string(String(format: "00000000-0000-4000-8000-%012d", rdv.id))),
        ])
    }

    func json(_ absence: Absence) -> JSONValue {
        .object([("id", .int(absence.id)), ("agent", agents[absence.agentID].map { json($0) } ?? .null),
                 ("end_day", .string(RDVTime.formatDate(absence.endDay))), ("end_time", .string(RDVTime.formatTime(absence.endTime))),
                 ("first_day", .string(RDVTime.formatDate(absence.firstDay))), ("ical_uid", .string("absence_\(absence.id)@RDV Solidarités")),
                 ("organisation", organisations[absence.organisationID].map { json($0) } ?? .null), ("rrule", .null),
                 ("start_time", .string(RDVTime.formatTime(absence.startTime))), ("title", .string(absence.title))])
    }

    /// A webhook endpoint (RDV does not send its secret back).
    func json(_ webhook: Webhook) -> JSONValue {
        .object([("id", .int(webhook.id)), ("organisation_id", .int(webhook.organisationID)),
                 ("subscriptions", .array(webhook.subscriptions.map(JSONValue.string))), ("target_url", .string(webhook.targetURL))])
    }
}
