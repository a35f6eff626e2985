import Testing
@testable import WebhookBridge

/// Slack's request signing, checked against the example in Slack's own
/// documentation ("Verifying requests from Slack"). The slash command in
/// that example's body is `/webhook-collect`: the signature is of the
/// exact bytes, so a body quoted with any other command does not match it.
@Suite struct SlackSignatureTests {
    @Test func slackPublishedExample() {
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
            + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
            + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
            + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
        #expect(SlackSignature.sign(body: body, timestamp: 1_531_420_618, secret: "8f742231b10e8888abcd99yyyzzz85a5")
            == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
    }

    @Test func theSameExampleWithAnotherCommandDoesNotMatch() {
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&command=%2Fwebbot&text="
        #expect(SlackSignature.sign(body: body, timestamp: 1_531_420_618, secret: "8f742231b10e8888abcd99yyyzzz85a5")
            != "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
    }

    @Test func anyChangeChangesTheSignature() {
        let signature = SlackSignature.sign(body: "text=hi", timestamp: 100, secret: "s")
        #expect(SlackSignature.sign(body: "text=ho", timestamp: 100, secret: "s") != signature)
        #expect(SlackSignature.sign(body: "text=hi", timestamp: 101, secret: "s") != signature)
        #expect(SlackSignature.sign(body: "text=hi", timestamp: 100, secret: "t") != signature)
    }
}
