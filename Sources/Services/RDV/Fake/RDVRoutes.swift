import Foundation
import GuichetCore
import HTTPTypes
import Hummingbird
import RDV

/// The v1 endpoints: those of the OpenAPI file, and `PATCH /api/v1/participations/{id}`.
extension RDVFake {
    static let perPage = 100

    /// One page of `items` under `root`, with Kaminari's `meta`. A missing
    /// or unreadable page is the first.
    static func page(_ items: [JSONValue], root: String, params: RDVParams) -> Answer {
        let page = max(1, params.int("page") ?? 1)
        let total = items.count
        let pages = (total + perPage - 1) / perPage
        let slice = items.dropFirst((page - 1) * perPage).prefix(perPage)
        let meta: JSONValue = .object([
            ("current_page", .int(page)), ("next_page", page < pages ? .int(page + 1) : .null),
            ("prev_page", page > 1 ? .int(page - 1) : .null), ("total_pages", .int(pages)), ("total_count", .int(total)),
        ])
        return .ok(.object([(root, .array(Array(slice))), ("meta", meta)]))
    }

    static func isAdmin(_ agent: RDVWorld.Agent, of organisation: Int) -> Bool { agent.roles[organisation] == "admin" }
    static func isMember(_ agent: RDVWorld.Agent, of organisation: Int) -> Bool { agent.roles[organisation] != nil }

    /// The users an agent sees: those of its organisations.
    static func visible(_ user: RDVWorld.User, to agent: RDVWorld.Agent) -> Bool {
        !user.organisations.isDisjoint(with: agent.roles.keys)
    }

    /// The agents whose absences an agent handles: itself, and every agent of the organisations it administers.
    static func manages(_ agent: RDVWorld.Agent, _ other: RDVWorld.Agent) -> Bool {
        agent.id == other.id || agent.roles.contains { $0.value == "admin" && other.roles[$0.key] != nil }
    }

    func registerRoutes(on router: Router<BasicRequestContext>) {
        registerOrganisations(on: router)
        registerUsers(on: router)
        registerAbsences(on: router)
        registerOthers(on: router)
    }

    // MARK: - Organisations, motifs, RDVs, agents, webhooks

    func registerOrganisations(on router: Router<BasicRequestContext>) {
        route(router, .get, "/api/v1/organisations") { world, call in
            var organisations = world.organisations.values.filter { RDVFake.isMember(call.agent, of: $0.id) }.sorted { $0.id < $1.id }
            if let departement = call.params.string("departement_number"), !departement.isEmpty {
                organisations = organisations.filter { $0.departementNumber == departement }
            }
            // The geographic filter applies only with a city code or a BAN street id.
            if let city = call.params.string("city_code"), !city.isEmpty {
                organisations = organisations.filter { $0.cityCodes.contains(city) }
            } else if let street = call.params.string("street_ban_id"), !street.isEmpty {
                organisations = organisations.filter { organisation in organisation.cityCodes.contains { street.hasPrefix($0 + "_") } }
            }
            return RDVFake.page(organisations.map { world.json($0) }, root: "organisations", params: call.params)
        }
        route(router, .get, "/api/v1/organisations/{organisation_id}") { world, call in
            guard let id = call.id("organisation_id"), let organisation = world.organisations[id] else {
                return .notFound("Organisation", call.path["organisation_id"])
            }
            guard RDVFake.isMember(call.agent, of: id) else { return .forbidden }
            return .ok(.object([("organisation", world.json(organisation))]))
        }
        for method in [HTTPRequest.Method.patch, .put] {
            route(router, method, "/api/v1/organisations/{organisation_id}") { world, call in
                guard let id = call.id("organisation_id"), var organisation = world.organisations[id] else {
                    return .notFound("Organisation", call.path["organisation_id"])
                }
                guard RDVFake.isAdmin(call.agent, of: id) else { return .forbidden }
                let params = call.params
                var errors = RDVValidation()
                if params.has("name"), !params.present("name") { errors.add("name", "blank", message: "name doit être rempli(e)") }
                if params.present("email"), !RDVFake.isEmail(params.string("email") ?? "") {
                    errors.add("email", "invalid", value: params.values["email"], message: "email n'est pas valide")
                }
                if params.present("phone_number"), RDVFake.phone(params.string("phone_number") ?? "") == nil {
                    errors.add("phone_number", "invalid", value: params.values["phone_number"], message: "phone_number n'est pas valide")
                }
                let verticales = ["rdv_insertion", "rdv_solidarites", "rdv_aide_numerique", "rdv_mairie"]
                if let verticale = params.string("verticale"), !verticales.contains(verticale) {
                    errors.add("verticale", "inclusion", value: .string(verticale), message: "verticale n'est pas inclus(e) dans la liste")
                }
                guard errors.isEmpty else { return .invalid(errors) }
                if let name = params.string("name") { organisation.name = name }
                if params.has("email") { organisation.email = params.present("email") ? params.string("email") : nil }
                if params.has("phone_number") { organisation.phoneNumber = params.present("phone_number") ? params.string("phone_number") : nil }
                if let verticale = params.string("verticale") { organisation.verticale = verticale }
                world.organisations[id] = organisation
                world.emit("organisation", "updated", world.json(organisation), organisations: [id])
                return .ok(.object([("organisation", world.json(organisation))]))
            }
        }
        route(router, .get, "/api/v1/organisations/{organisation_id}/motifs") { world, call in
            guard let id = call.id("organisation_id"), world.organisations[id] != nil else {
                return .notFound("Organisation", call.path["organisation_id"])
            }
            guard RDVFake.isMember(call.agent, of: id) else { return .forbidden }
            let params = call.params
            var motifs = world.motifs.filter { $0.organisationID == id }.sorted { $0.id < $1.id }
            if let active = params.bool("active"), params.present("active") { motifs = motifs.filter { ($0.deletedAt == nil) == active } }
            if let bookable = params.bool("bookable_publicly"), params.present("bookable_publicly") {
                motifs = motifs.filter { $0.bookablePublicly == bookable }
            }
            if params.present("service_id") { motifs = motifs.filter { $0.serviceID == params.int("service_id") } }
            if let category = params.string("motif_category_short_name"), !category.isEmpty {
                motifs = motifs.filter { $0.category?.shortName == category }
            }
            return RDVFake.page(motifs.map { world.json($0) }, root: "motifs", params: params)
        }
        route(router, .get, "/api/v1/organisations/{organisation_id}/rdvs") { world, call in
            guard let id = call.id("organisation_id"), world.organisations[id] != nil else {
                return .notFound("Organisation", call.path["organisation_id"])
            }
            guard RDVFake.isMember(call.agent, of: id) else { return .forbidden }
            var rdvs = world.rdvs.filter { $0.organisationID == id }
            // `Time.zone.parse`: Paris time; a value it cannot read compares with NULL, so nothing matches.
            if call.params.present("starts_after") {
                let after = RDVTime.instant(call.params.string("starts_after") ?? "")
                rdvs = rdvs.filter { rdv in after.map { rdv.startsAt >= $0 } ?? false }
            }
            if call.params.present("starts_before") {
                let before = RDVTime.instant(call.params.string("starts_before") ?? "")
                rdvs = rdvs.filter { rdv in before.map { rdv.startsAt <= $0 } ?? false }
            }
            return RDVFake.page(rdvs.map { world.json($0) }, root: "rdvs", params: call.params)
        }
        route(router, .get, "/api/v1/organisations/{organisation_id}/users") { world, call in
            guard let id = call.id("organisation_id"), world.organisations[id] != nil else {
                return .notFound("Organisation", call.path["organisation_id"])
            }
            guard RDVFake.isMember(call.agent, of: id) else { return .forbidden }
            let users = world.users.values.filter { $0.organisations.contains(id) }.sorted { $0.id < $1.id }
            return RDVFake.page(users.map { world.json($0) }, root: "users", params: call.params)
        }
        route(router, .get, "/api/v1/organisations/{organisation_id}/users/{user_id}") { world, call in
            guard let id = call.id("organisation_id"), world.organisations[id] != nil else {
                return .notFound("Organisation", call.path["organisation_id"])
            }
            guard RDVFake.isMember(call.agent, of: id) else { return .forbidden }
            guard let userID = call.id("user_id"), let user = world.users[userID], user.organisations.contains(id) else {
                return .notFound(key: "user")
            }
            return .ok(.object([("user", world.json(user))]))
        }
        route(router, .get, "/api/v1/agents") { world, call in
            var organisations = Set(call.agent.roles.keys)
            if call.params.present("organisation_id") {
                guard let id = call.params.int("organisation_id"), world.organisations[id] != nil else {
                    return .notFound("Organisation", call.params.string("organisation_id"))
                }
                guard RDVFake.isMember(call.agent, of: id) else { return .forbidden }
                organisations = [id]
            }
            let agents = world.agents.values.filter { !organisations.isDisjoint(with: $0.roles.keys) }.sorted { $0.id < $1.id }
            return RDVFake.page(agents.map { world.json($0) }, root: "agents", params: call.params)
        }

        // Webhook endpoints: an organisation's admins only.
        route(router, .get, "/api/v1/organisations/{organisation_id}/webhook_endpoints") { world, call in
            guard let id = call.id("organisation_id"), world.organisations[id] != nil else {
                return .notFound("Organisation", call.path["organisation_id"])
            }
            guard RDVFake.isAdmin(call.agent, of: id) else { return .forbidden }
            var webhooks = world.webhooks.values.filter { $0.organisationID == id }.sorted { $0.id < $1.id }
            if let target = call.params.string("target_url"), !target.isEmpty { webhooks = webhooks.filter { $0.targetURL == target } }
            return RDVFake.page(webhooks.map { world.json($0) }, root: "webhook_endpoints", params: call.params)
        }
        route(router, .post, "/api/v1/organisations/{organisation_id}/webhook_endpoints") { world, call in
            guard let id = call.id("organisation_id"), world.organisations[id] != nil else {
                return .notFound("Organisation", call.path["organisation_id"])
            }
            guard RDVFake.isAdmin(call.agent, of: id) else { return .forbidden }
            let webhook = RDVWorld.Webhook(id: 0, organisationID: id, targetURL: call.params.string("target_url") ?? "",
                                           secret: call.params.string("secret") ?? "",
                                           subscriptions: call.params.strings("subscriptions") ?? RDVFake.defaultSubscriptions)
            return RDVFake.save(webhook, world: &world, params: call.params)
        }
        for method in [HTTPRequest.Method.patch, .put] {
            route(router, method, "/api/v1/organisations/{organisation_id}/webhook_endpoints/{webhook_endpoint_id}") { world, call in
                guard let id = call.id("organisation_id"), world.organisations[id] != nil else {
                    return .notFound("Organisation", call.path["organisation_id"])
                }
                guard RDVFake.isAdmin(call.agent, of: id) else { return .forbidden }
                guard let webhookID = call.id("webhook_endpoint_id"), var webhook = world.webhooks[webhookID], webhook.organisationID == id else {
                    return .notFound("WebhookEndpoint", call.path["webhook_endpoint_id"])
                }
                if call.params.has("target_url") { webhook.targetURL = call.params.string("target_url") ?? "" }
                if call.params.has("secret") { webhook.secret = call.params.string("secret") ?? "" }
                if let subscriptions = call.params.strings("subscriptions") { webhook.subscriptions = subscriptions }
                return RDVFake.save(webhook, world: &world, params: call.params)
            }
        }
    }

    static let subscriptions = ["rdv", "absence", "plage_ouverture", "user", "user_profile", "organisation", "motif", "lieu", "agent",
                                "agent_role", "referent_assignation"]
    static let defaultSubscriptions = ["rdv", "absence", "plage_ouverture"]

    /// Validates and stores a webhook endpoint (id 0: a new one); unless
    /// `trigger` is false, RDV would now replay every subscribed record.
    static func save(_ webhook: RDVWorld.Webhook, world: inout RDVWorld, params: RDVParams) -> Answer {
        var webhook = webhook
        var errors = RDVValidation()
        if webhook.targetURL.trimmingCharacters(in: .whitespaces).isEmpty {
            errors.add("target_url", "blank", message: "target_url doit être rempli(e)")
        } else if world.webhooks.values.contains(where: { $0.id != webhook.id && $0.organisationID == webhook.organisationID && $0.targetURL == webhook.targetURL }) {
            errors.add("target_url", "taken", value: .string(webhook.targetURL), message: "target_url est déjà utilisé")
        }
        if webhook.secret.trimmingCharacters(in: .whitespaces).isEmpty { errors.add("secret", "blank", message: "secret doit être rempli(e)") }
        if webhook.subscriptions.contains(where: { !subscriptions.contains($0) }) {
            let message = "la liste des abonnements choisis contient une ou plusieurs valeurs incorrectes"
            errors.add("base", message, message: "base " + message)
        }
        guard errors.isEmpty else { return .invalid(errors) }
        if webhook.id == 0 { webhook.id = world.newID() }
        world.webhooks[webhook.id] = webhook
        if params.bool("trigger") != false { world.replay(to: webhook) }
        return .ok(.object([("webhook_endpoint", world.json(webhook))]))
    }

    // MARK: - Users, profiles, referents, invitations

    func registerUsers(on router: Router<BasicRequestContext>) {
        route(router, .get, "/api/v1/users") { world, call in
            var users = world.users.values.filter { RDVFake.visible($0, to: call.agent) }
            if let ids = call.params.ints("ids") { users = users.filter { ids.contains($0.id) } }
            return RDVFake.page(users.sorted { $0.id < $1.id }.map { world.json($0) }, root: "users", params: call.params)
        }
        route(router, .get, "/api/v1/users/{user_id}") { world, call in
            guard let id = call.id("user_id"), let user = world.users[id] else { return .notFound("User", call.path["user_id"]) }
            guard RDVFake.visible(user, to: call.agent) else { return .forbidden }
            return .ok(.object([("user", world.json(user))]))
        }
        route(router, .post, "/api/v1/users") { world, call in
            let params = call.params
            guard params.present("organisation_ids"), let organisations = params.ints("organisation_ids"), !organisations.isEmpty else {
                return .missingParameter("organisation_ids")
            }
            for id in organisations {
                guard world.organisations[id] != nil else { return .notFound("Organisation", String(id)) }
                guard RDVFake.isMember(call.agent, of: id) else { return .forbidden }
            }
            let referents = params.ints("referent_agent_ids") ?? []
            for id in referents where world.agents[id] == nil { return .notFound("Agent", String(id)) }
            var user = RDVWorld.User(id: 0, fields: [:], organisations: Set(organisations), createdAt: Int(Date().timeIntervalSince1970))
            if let failed = RDVFake.apply(params, to: &user, world: world, creating: true) { return failed }
            user.id = world.newID()
            world.users[user.id] = user
            for agent in referents { world.referents.insert([agent, user.id]) }
            world.emit("user", "created", world.json(user), organisations: user.organisations)
            return .ok(.object([("user", world.json(user))]))
        }
        for method in [HTTPRequest.Method.patch, .put] {
            route(router, method, "/api/v1/users/{user_id}") { world, call in
                guard let id = call.id("user_id"), var user = world.users[id] else { return .notFound("User", call.path["user_id"]) }
                guard RDVFake.visible(user, to: call.agent) else { return .forbidden }
                // Organisations given are added (the agent's own only): RDV never drops a profile here.
                for organisation in call.params.ints("organisation_ids") ?? [] {
                    guard world.organisations[organisation] != nil else { return .notFound("Organisation", String(organisation)) }
                    guard RDVFake.isMember(call.agent, of: organisation) else { return .forbidden }
                    user.organisations.insert(organisation)
                }
                if let failed = RDVFake.apply(call.params, to: &user, world: world, creating: false) { return failed }
                world.users[id] = user
                world.emit("user", "updated", world.json(user), organisations: user.organisations)
                return .ok(.object([("user", world.json(user))]))
            }
        }
        route(router, .post, "/api/v1/users/{user_id}/rdv_invitation_token") { world, call in
            guard let id = call.id("user_id"), var user = world.users[id] else { return .notFound("User", call.path["user_id"]) }
            guard RDVFake.visible(user, to: call.agent) else { return .forbidden }
            let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            let token = String((0..<8).map { _ in letters[Int.random(in: 0..<letters.count)] })
            user.fields["invitation_created_at"] = .string(RDVTime.format(Int(Date().timeIntervalSince1970)))
            world.users[id] = user
            return .ok(.object([("invitation_token", .string(token))]))
        }

        route(router, .post, "/api/v1/user_profiles") { world, call in
            guard let userID = call.params.int("user_id"), let user = world.users[userID] else {
                return .notFound("User", call.params.string("user_id") ?? "")
            }
            guard let organisationID = call.params.int("organisation_id"), let organisation = world.organisations[organisationID] else {
                return .notFound("Organisation", call.params.string("organisation_id") ?? "")
            }
            guard RDVFake.isMember(call.agent, of: organisationID) else { return .forbidden }
            guard !user.organisations.contains(organisationID) else {
                var errors = RDVValidation()
                errors.add("user_id", "taken", value: .int(userID), message: "user_id est déjà utilisé")
                return .invalid(errors)
            }
            world.users[userID]?.organisations.insert(organisationID)
            let updated = world.users[userID] ?? user
            let profile = JSONValue.object([("user", world.json(updated, nested: true)), ("organisation", world.json(organisation))])
            world.emit("user_profile", "created", profile, organisations: [organisationID])
            return .ok(.object([("user_profile", profile)]))
        }
        route(router, .delete, "/api/v1/user_profiles") { world, call in
            guard let userID = call.params.int("user_id"), let user = world.users[userID] else {
                return .notFound("User", call.params.string("user_id") ?? "")
            }
            guard let organisationID = call.params.int("organisation_id"), world.organisations[organisationID] != nil else {
                return .notFound("Organisation", call.params.string("organisation_id") ?? "")
            }
            guard RDVFake.isMember(call.agent, of: organisationID) else { return .forbidden }
            guard user.organisations.contains(organisationID) else {
                return Answer(status: .notFound, body: .object([("success", .bool(false)), ("errors", .array([.string(
                    "Couldn't find UserProfile with [WHERE \"user_profiles\".\"organisation_id\" = $1 AND \"user_profiles\".\"user_id\" = $2]")]))]))
            }
            let now = Int(Date().timeIntervalSince1970)
            let future = world.rdvs.contains { rdv in
                rdv.organisationID == organisationID && rdv.startsAt > now && rdv.participations.contains { $0.userID == userID }
            }
            if future {
                var errors = RDVValidation()
                errors.add("base", "cant_destroy_with_upcoming_rdvs",
                           message: "Impossible de retirer cet usager de l’organisation : il a des RDV à venir. Annulez-les d’abord.")
                return .invalid(errors)
            }
            world.users[userID]?.organisations.remove(organisationID)
            if let organisation = world.organisations[organisationID] {
                world.emit("user_profile", "destroyed", .object([("user", world.json(user, nested: true)), ("organisation", world.json(organisation))]),
                           organisations: [organisationID])
            }
            return .noContent
        }

        route(router, .post, "/api/v1/referent_assignations") { world, call in
            guard let userID = call.params.int("user_id"), let user = world.users[userID] else {
                return .notFound("User", call.params.string("user_id") ?? "")
            }
            guard let agentID = call.params.int("agent_id"), let agent = world.agents[agentID] else {
                return .notFound("Agent", call.params.string("agent_id") ?? "")
            }
            guard RDVFake.visible(user, to: call.agent) else { return .forbidden }
            guard !world.referents.contains([agentID, userID]) else {
                var errors = RDVValidation()
                errors.add("agent_id", "taken", value: .int(agentID), message: "agent_id est déjà utilisé")
                return .invalid(errors)
            }
            world.referents.insert([agentID, userID])
            let assignation = JSONValue.object([("user", world.json(user, nested: true)), ("agent", world.json(agent))])
            world.emit("referent_assignation", "created", assignation, organisations: user.organisations)
            return .ok(.object([("referent_assignation", assignation)]))
        }
        route(router, .delete, "/api/v1/referent_assignations") { world, call in
            guard let userID = call.params.int("user_id"), let user = world.users[userID] else {
                return .notFound("User", call.params.string("user_id") ?? "")
            }
            guard let agentID = call.params.int("agent_id"), let agent = world.agents[agentID] else {
                return .notFound("Agent", call.params.string("agent_id") ?? "")
            }
            guard RDVFake.visible(user, to: call.agent) else { return .forbidden }
            guard world.referents.remove([agentID, userID]) != nil else {
                return Answer(status: .notFound, body: .object([("success", .bool(false)), ("errors", .array([.string(
                    "Couldn't find ReferentAssignation with [WHERE \"referent_assignations\".\"agent_id\" = $1 AND \"referent_assignations\".\"user_id\" = $2]")]))]))
            }
            world.emit("referent_assignation", "destroyed", .object([("user", world.json(user, nested: true)), ("agent", world.json(agent))]),
                       organisations: user.organisations)
            return .noContent
        }
    }

    static let userTextFields = ["first_name", "last_name", "birth_name", "email", "address", "address_details", "affiliation_number",
                                 "case_number", "notes", "phone_number", "birth_date", "caisse_affiliation", "family_situation", "logement"]
    static let enums: [String: [String]] = [
        "caisse_affiliation": ["aucun", "caf", "msa"], "family_situation": ["single", "in_a_relationship", "divorced"],
        "logement": ["sdf", "heberge", "en_accession_propriete", "proprietaire", "autre", "locataire"],
    ]

    /// Applies the permitted user attributes and validates the result; the 4xx answer when it is not valid.
    static func apply(_ params: RDVParams, to user: inout RDVWorld.User, world: RDVWorld, creating: Bool) -> Answer? {
        var updated = user
        for key in userTextFields where params.has(key) {
            updated.fields[key] = params.present(key) ? .string(params.string(key) ?? "") : .null
        }
        for key in ["notify_by_sms", "notify_by_email"] where params.has(key) {
            updated.fields[key] = .bool(params.bool(key) ?? false)
        }
        var errors = RDVValidation()
        if params.has("number_of_children") {
            if !params.present("number_of_children") {
                updated.fields["number_of_children"] = .null
            } else if let count = params.int("number_of_children"), count >= 0 {
                updated.fields["number_of_children"] = .int(count)
            } else {
                errors.add("number_of_children", "not_a_number", value: params.values["number_of_children"],
                           message: "number_of_children n'est pas un nombre")
            }
        }
        if params.has("responsible_id") {
            if params.present("responsible_id") {
                guard let id = params.int("responsible_id"), world.users[id] != nil else {
                    return .notFound("User", params.string("responsible_id"))
                }
                updated.fields["responsible_id"] = .int(id)
            } else {
                updated.fields["responsible_id"] = .null
            }
        }
        // Presence: a user has names, unless a responsible answers for them (relatives).
        for key in ["last_name", "first_name"] where updated.fields[key]?.stringValue == nil {
            errors.add(key, "blank", message: "\(key) doit être rempli(e)")
        }
        if let email = updated.fields["email"]?.stringValue {
            if !isEmail(email) {
                errors.add("email", "invalid", value: .string(email), message: "email n'est pas valide")
            } else if world.users.values.contains(where: { $0.id != user.id && $0.fields["email"]?.stringValue?.lowercased() == email.lowercased() }) {
                errors.add("email", "taken", value: .string(email), message: "email est déjà utilisé")
            }
        }
        if let phone = updated.fields["phone_number"]?.stringValue {
            if let formatted = RDVFake.phone(phone) {
                updated.fields["phone_number_formatted"] = .string(formatted)
            } else {
                errors.add("phone_number", "invalid", value: .string(phone), message: "phone_number n'est pas valide")
            }
        } else {
            updated.fields["phone_number_formatted"] = .null
        }
        if let birth = updated.fields["birth_date"]?.stringValue {
            let today = Int(Date().timeIntervalSince1970) / 86400
            if let day = RDVTime.date(birth), day <= today, day >= RDVTime.days(year: 1900, month: 1, day: 1) {
                // fine
            } else {
                errors.add("birth_date", "invalid", value: .string(birth), message: "birth_date n'est pas valide")
            }
        }
        for (key, allowed) in enums.sorted(by: { $0.key < $1.key }) {
            if let value = updated.fields[key]?.stringValue, !allowed.contains(value) {
                errors.add(key, "inclusion", value: .string(value), message: "\(key) n'est pas inclus(e) dans la liste")
            }
        }
        guard errors.isEmpty else { return .invalid(errors) }
        user = updated
        return nil
    }

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !text.contains(" ")
    }

    /// A French phone number in E.164 (`+33612345678`), nil when it is not one.
    static func phone(_ text: String) -> String? {
        let digits = text.filter { !" .-".contains($0) }
        if digits.hasPrefix("+33"), digits.count == 12, digits.dropFirst(3).allSatisfy(\.isNumber), digits.dropFirst(3).first != "0" {
            return digits
        }
        if digits.hasPrefix("0"), digits.count == 10, digits.allSatisfy(\.isNumber), digits.dropFirst().first != "0" {
            return "+33" + digits.dropFirst()
        }
        return nil
    }

    // MARK: - Absences

    func registerAbsences(on router: Router<BasicRequestContext>) {
        route(router, .get, "/api/v1/absences") { world, call in
            let absences = world.absences.values.filter { absence in
                world.agents[absence.agentID].map { RDVFake.manages(call.agent, $0) } ?? false
            }.sorted { ($0.firstDay, $0.startTime, $0.id) < ($1.firstDay, $1.startTime, $1.id) }
            return RDVFake.page(absences.map { world.json($0) }, root: "absences", params: call.params)
        }
        route(router, .get, "/api/v1/absences/{absence_id}") { world, call in
            guard let id = call.id("absence_id"), let absence = world.absences[id] else { return .notFound(key: "absence") }
            guard let owner = world.agents[absence.agentID], RDVFake.manages(call.agent, owner) else { return .forbidden }
            return .ok(.object([("absence", world.json(absence))]))
        }
        route(router, .post, "/api/v1/absences") { world, call in
            let params = call.params
            let agent: RDVWorld.Agent?
            if params.present("agent_id") {
                agent = params.int("agent_id").flatMap { world.agents[$0] }
            } else if let email = params.string("agent_email") {
                agent = world.agents.values.first { $0.email.lowercased() == email.lowercased() }
            } else {
                agent = nil
            }
            guard let agent else { return .notFound(key: "agent") }
            guard RDVFake.manages(call.agent, agent) else { return .forbidden }
            let organisation = agent.roles.keys.filter { call.agent.roles[$0] != nil }.min() ?? agent.roles.keys.min() ?? 0
            let absence = RDVWorld.Absence(id: 0, agentID: agent.id, organisationID: organisation, title: "", firstDay: 0, endDay: 0,
                                           startTime: 0, endTime: 0)
            return RDVFake.save(absence, params: params, creating: true, world: &world)
        }
        for method in [HTTPRequest.Method.patch, .put] {
            route(router, method, "/api/v1/absences/{absence_id}") { world, call in
                guard let id = call.id("absence_id"), let absence = world.absences[id] else { return .notFound(key: "absence") }
                guard let owner = world.agents[absence.agentID], RDVFake.manages(call.agent, owner) else { return .forbidden }
                return RDVFake.save(absence, params: call.params, creating: false, world: &world)
            }
        }
        route(router, .delete, "/api/v1/absences/{absence_id}") { world, call in
            guard let id = call.id("absence_id"), let absence = world.absences[id] else { return .notFound(key: "absence") }
            guard let owner = world.agents[absence.agentID], RDVFake.manages(call.agent, owner) else { return .forbidden }
            world.absences[id] = nil
            world.emit("absence", "destroyed", world.json(absence), organisations: [absence.organisationID])
            return .noContent
        }
    }

    /// Applies the absence parameters, validates (title, days, times, the
    /// end after the start) and stores; RDV's 422 otherwise.
    static func save(_ absence: RDVWorld.Absence, params: RDVParams, creating: Bool, world: inout RDVWorld) -> Answer {
        var absence = absence
        var errors = RDVValidation()
        func text(_ key: String) -> String? { params.present(key) ? params.string(key) : nil }
        if params.has("title") || creating {
            if let title = text("title") { absence.title = title } else { errors.add("title", "blank", message: "title doit être rempli(e)") }
        }
        func day(_ key: String, required: Bool) -> Int? {
            guard let value = text(key) else {
                if required { errors.add(key, "blank", message: "\(key) doit être rempli(e)") }
                return nil
            }
            guard let day = RDVTime.date(value) else {
                errors.add(key, "invalid", value: .string(value), message: "\(key) n'est pas valide")
                return nil
            }
            return day
        }
        func time(_ key: String, required: Bool) -> Int? {
            guard let value = text(key) else {
                if required { errors.add(key, "blank", message: "\(key) doit être rempli(e)") }
                return nil
            }
            guard let seconds = RDVTime.time(value) else {
                errors.add(key, "invalid", value: .string(value), message: "\(key) n'est pas valide")
                return nil
            }
            return seconds
        }
        if params.has("first_day") || creating, let first = day("first_day", required: true) {
            absence.firstDay = first
            if creating { absence.endDay = first }
        }
        if params.has("end_day") && params.present("end_day"), let end = day("end_day", required: false) { absence.endDay = end }
        if params.has("start_time") || creating, let start = time("start_time", required: true) { absence.startTime = start }
        if params.has("end_time") || creating, let end = time("end_time", required: true) { absence.endTime = end }
        if errors.isEmpty, (absence.endDay, absence.endTime) <= (absence.firstDay, absence.startTime) {
            errors.add("ends_time", "doit être après le début.", message: "ends_time doit être après le début.")
        }
        guard errors.isEmpty else { return .invalid(errors) }
        let event = absence.id == 0 ? "created" : "updated"
        if absence.id == 0 { absence.id = world.newID() }
        world.absences[absence.id] = absence
        world.emit("absence", event, world.json(absence), organisations: [absence.organisationID])
        return .ok(.object([("absence", world.json(absence))]))
    }

    // MARK: - Participations, public links

    static let statuses = ["unknown", "seen", "excused", "revoked", "noshow"]

    func registerOthers(on router: Router<BasicRequestContext>) {
        for method in [HTTPRequest.Method.patch, .put] {
            route(router, method, "/api/v1/participations/{participation_id}") { world, call in
                guard let id = call.id("participation_id"),
                      let index = world.rdvs.firstIndex(where: { $0.participations.contains { $0.id == id } }),
                      let slot = world.rdvs[index].participations.firstIndex(where: { $0.id == id }) else {
                    return .notFound("Participation", call.path["participation_id"])
                }
                guard RDVFake.isMember(call.agent, of: world.rdvs[index].organisationID) else { return .forbidden }
                guard case .object(let fields) = call.params.values["participation"] else { return .missingParameter("participation") }
                let given = fields.first { $0.0 == "status" }?.1
                guard let status = given?.stringValue, RDVFake.statuses.contains(status) else {
                    var errors = RDVValidation()
                    errors.add("status", "inclusion", value: given ?? .null, message: "status n'est pas inclus(e) dans la liste")
                    return .invalid(errors)
                }
                world.rdvs[index].participations[slot].status = status
                // An individual RDV's status follows its one participation.
                if !world.rdvs[index].collectif { world.rdvs[index].status = status }
                world.emit("rdv", "updated", world.json(world.rdvs[index]), organisations: [world.rdvs[index].organisationID])
                return .ok(.object([("rdv", world.json(world.rdvs[index]))]))
            }
        }

        // Without authentication, rate limited per IP (here: per sandbox).
        for path in ["/api/v1/public_links", "/public_api/public_links"] {
            route(router, .get, path, authenticated: false) { world, call in
                let now = Int(Date().timeIntervalSince1970)
                world.publicLinkHits = world.publicLinkHits.filter { $0 > now - 60 } + [now]
                if world.publicLinkHits.count > world.publicLinksPerMinute {
                    let retry = max(1, (world.publicLinkHits.first ?? now) + 60 - now)
                    return Answer(status: .tooManyRequests,
                                  body: .object([("errors", .array([.string("Limite d'appels API atteinte. Merci de patienter.\n")]))]),
                                  headers: [.retryAfter: String(retry), HTTPField.Name("RateLimit-Limit")!: String(world.publicLinksPerMinute),
                                            HTTPField.Name("RateLimit-Remaining")!: "0"])
                }
                guard let territory = call.params.string("territory"), !territory.isEmpty else {
                    return Answer(status: .badRequest, body: .object([("missing", .string("territory"))]))
                }
                let organisations = world.organisations.values.filter { $0.departementNumber == territory }.sorted { $0.id < $1.id }
                guard !organisations.isEmpty else { return .notFound(key: "territory") }
                return .ok(.object([("public_links", .array(organisations.map {
                    .object([("external_id", .string($0.externalID)), ("public_link", .string("https://www.rdv-solidarites.fr/org/\($0.id)"))])
                }))]))
            }
        }
    }
}
