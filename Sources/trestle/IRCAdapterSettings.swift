import BridgeKit
import IRCBridge
import TrestleConfig

/// The IRC adapter's configuration from an `irc` server section: secrets
/// revealed here and nowhere else, defaults already applied by the reader.
extension IRCAdapterConfiguration {
    /// `configuredChannels`: the server's channels named in the config's rooms.
    /// `publicURL`: where the HTTP endpoint is reached from outside, for links to full texts.
    init(_ settings: IRCServerSettings, configuredChannels: Set<String>, identitySecret: [UInt8],
         identRegistry: IRCIdentRegistry?, version: String, publicURL: String? = nil) {
        let sasl: IRCRegistrationStateMachine.SASL? = settings.sasl.map { sasl in
            switch sasl.mechanism {
            case .plain: .plain(account: sasl.account ?? "", password: sasl.password?.reveal() ?? "")
            case .external: .external
            }
        }
        let bot = IRCClientConfiguration(
            host: settings.host, port: settings.port,
            tls: settings.tls
                ? IRCTLSSettings(verifyCertificates: settings.verifyCertificates, caFile: settings.caFile,
                                 clientCertificateFile: settings.clientCertificateFile, clientKeyFile: settings.clientKeyFile)
                : nil,
            sourceAddress: settings.sourceAddress,
            registration: .init(nick: settings.nick, username: settings.username, realName: settings.realName,
                                password: settings.password?.reveal(), sasl: sasl),
            flood: IRCFloodControl(burst: settings.floodBurst, interval: settings.floodInterval),
            queueLimit: settings.queueLimit, pingInterval: settings.pingInterval, pingTimeout: settings.pingTimeout,
            reconnectInitialDelay: settings.reconnectInitialDelay, reconnectMaxDelay: settings.reconnectMaxDelay,
            identRegistry: identRegistry, metricsNetwork: settings.network)
        self.init(
            network: NetworkID(settings.network), bot: bot,
            defaultMode: ChannelMode(rawValue: settings.mode.rawValue) ?? .relay,
            channelModes: settings.channelModes.compactMapValues { ChannelMode(rawValue: $0.rawValue) },
            configuredChannels: configuredChannels,
            relayFormat: settings.relayFormat, relayActionFormat: settings.relayActionFormat,
            puppets: PuppetSettings(
                nickSuffix: settings.puppetNickSuffix, idleTimeout: settings.puppetIdleTimeout,
                maximumConnections: settings.puppetMaximumConnections, sourceAddresses: settings.puppetSourceAddresses),
            edits: EditPolicy(rawValue: settings.edits.rawValue) ?? .resend,
            maximumLines: settings.maximumLines,
            policies: IRCChannelPolicies(settings.courtesy),
            channelPolicies: settings.channelCourtesy.mapValues(IRCChannelPolicies.init),
            publicURL: publicURL,
            versionReply: "Trestle \(version)" + (settings.contact.map { " (operator: \($0))" } ?? ""),
            netsplitGrace: settings.netsplitGrace,
            webIRC: settings.webIRCPassword.map { ($0.reveal(), settings.webIRCGateway) },
            identitySecret: identitySecret)
    }
}

extension IRCChannelPolicies {
    init(_ courtesy: IRCServerSettings.Courtesy) {
        self.init(reactions: Reactions(rawValue: courtesy.reactions.rawValue) ?? .drop,
                  reactionFallback: ReactionFallback(rawValue: courtesy.reactionFallback.rawValue) ?? .drop,
                  longMessages: LongMessages(rawValue: courtesy.longMessages.rawValue) ?? .cut,
                  typing: courtesy.typing)
    }
}
