@testable import MatrixBridge
import Testing

@Suite struct MatrixAvatarsTests {
    @Test func theUploadIsNamedAfterThePicturesPath() {
        #expect(MatrixAvatars.filename("https://ci.example.org/faces/bot.png?size=64") == "bot.png")
        #expect(MatrixAvatars.filename("https://ci.example.org/") == "avatar")
        #expect(MatrixAvatars.filename("https://ci.example.org") == "avatar")
        #expect(MatrixAvatars.filename("http://x.example/" + String(repeating: "a", count: 300)).count == 100)
    }
}
