/// Links Trestle fetches itself because someone sent them (an XMPP user's
/// upload, to put it in Matrix's media repository; a webhook's icon or a
/// Matrix user's avatar, to show as a picture): the `fetch` section.
/// By default never from loopback, private or link-local addresses, so a
/// link cannot make Trestle read what only its host can reach; allow them
/// where the people who send links are trusted and files live on a
/// private network.
///
/// ```yaml
/// fetch:
///   private_addresses: false
/// ```
public struct FetchSettings: Sendable, Equatable {
    public var privateAddresses: Bool

    public init(privateAddresses: Bool = false) {
        self.privateAddresses = privateAddresses
    }

    public init(reading table: ConfigTable?) throws(ConfigError) {
        guard let table else {
            self.init()
            return
        }
        self.init(privateAddresses: try table.bool("private_addresses", default: false))
    }
}
