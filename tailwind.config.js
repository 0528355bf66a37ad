/** Tailwind v3 config: dx and scripts/build-css.sh both read it. `darkMode: 'class'` keys dark
 * styles on the `dark` class the server renders on #app from the theme cookie. */
module.exports = {
  darkMode: 'class',
  content: ['./src/**/*.rs', './index.html'],
  theme: {
    extend: {},
  },
  plugins: [],
};
