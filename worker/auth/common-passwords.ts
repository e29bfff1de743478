/** Common passwords that would otherwise pass the length and mix rules (lower case). */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  "password1", "password12", "password123", "passw0rd", "passw0rd1", "p@ssw0rd", "abc12345", "abcd1234",
  "abc123456", "a1234567", "a12345678", "1234abcd", "12345abc", "123456789a", "1q2w3e4r", "1q2w3e4r5t",
  "qwerty123", "qwerty12", "qwerty1234", "1qaz2wsx", "zaq12wsx", "q1w2e3r4", "q1w2e3r4t5", "asdf1234",
  "asdfgh12", "zxcvbnm1", "iloveyou1", "welcome1", "welcome123", "letmein1", "admin123", "admin1234",
  "administrator1", "monkey123", "dragon123", "master123", "sunshine1", "football1", "baseball1", "princess1",
  "charlie1", "shadow123", "superman1", "trustno1", "hello123", "test1234", "test12345", "user1234",
  "guest123", "changeme1", "michael1", "jordan23", "password2", "password01", "pass1234", "pass12345",
  "secret123", "computer1", "internet1", "samsung1", "google123", "apple123", "iphone123", "nihon123",
  "tokyo123", "tokyo2020", "japan123", "sakura123", "sakura01", "doraemon1", "pokemon1", "naruto123",
  "kitty123", "hello1234", "love1234", "aa123456", "aaa11111", "abc11111", "a1b2c3d4", "a1b2c3d4e5",
  "qazwsx123", "123qweasd", "1234qwer", "12qwaszx", "xxxxxx11", "zxc12345", "abcdefg1", "abcdef12",
  "koganei1", "koganei123", "medical1", "nurse123", "doctor123", "hospital1", "clinic123", "care1234",
  "kaigo123",
]);
