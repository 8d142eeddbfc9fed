/* The reader's query, cut the way the index was (see tools/search_index.py).
 *
 * Appended to Material's search worker at build time, followed by
 * `CloudnotesSearch.install(self.lunr, {tails, synonyms})`. It wraps lunr's query lexer,
 * which Material runs on every query word before searching: each word becomes the index terms
 * it stands for.
 *
 *   - A Hangul word that some index term starts with is searched as typed (prefix search).
 *   - Otherwise it is cut into the longest index terms it begins with (블록스토리지 ->
 *     블록 스토리지), and a particle or ending left at the end is dropped (컨테이너는 ->
 *     컨테이너, 격리하다 -> 격리). `tails` are the endings Kiwi found in the pages.
 *   - Index side, other spellings of a word of the text are indexed at its position
 *     (Nova also as 노바, VM also as 가상 머신: tools/search_synonyms.yml).
 *   - Every piece then goes through the index's own pipeline (stop words, stemmer), so
 *     `isolating` is searched as the stem the index holds.
 */
var CloudnotesSearch = (function () {
  "use strict";

  var HANGUL = /[\uac00-\ud7a3]/;
  var EXACT_BOOST = 10;
  /* BM25's b: Material sets 0 (no length normalisation), so a word in a short title ("컨테이너란")
   * counts no more than in a long one ("컨테이너 시작 지연 측정"); lunr's default is 0.75. */
  var LENGTH_NORMALISATION = 0.75;

  /* A sorted array of terms, with the two questions the analyser asks of it. */
  function Vocabulary(terms) {
    this.terms = terms.slice().sort();
  }
  Vocabulary.prototype.lowerBound = function (word) {
    var lo = 0, hi = this.terms.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (this.terms[mid] < word) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  Vocabulary.prototype.has = function (word) {
    return this.terms[this.lowerBound(word)] === word;
  };
  Vocabulary.prototype.hasPrefix = function (word) {
    var next = this.terms[this.lowerBound(word)];
    return next !== undefined && next.slice(0, word.length) === word;
  };

  /* The index terms a Hangul word stands for. */
  function cutHangul(word, vocab, tails) {
    if (vocab.hasPrefix(word)) return [word];
    var pieces = [], rest = word;
    while (rest) {
      if (tails[rest]) break;                         // 는, 합니다, 하다: an ending, dropped
      if (vocab.hasPrefix(rest)) { pieces.push(rest); break; }
      var found = null;
      for (var n = rest.length - 1; n > 0 && !found; n--)
        if (vocab.has(rest.slice(0, n))) found = rest.slice(0, n);
      if (!found) { pieces.push(rest); break; }       // unknown: searched as typed
      pieces.push(found);
      rest = rest.slice(found.length);
    }
    return pieces.length ? pieces : [word];
  }

  /* The other spellings of a word of the text (nova -> 노바; vm -> 가상, 머신), as tokens. */
  function expand(token, synonyms) {
    var others = synonyms[token.toString()];
    if (!others) return token;
    var tokens = [token];
    for (var i = 0; i < others.length; i++)
      others[i].split(/\s+/).forEach(function (word) {
        tokens.push(token.clone(function () { return word; }));
      });
    return tokens;
  }

  /* The index terms one query word stands for (an empty list: a stop word). `analyse` runs a
   * piece through the index's pipeline and returns what is left of it. */
  function analyseWord(word, context) {
    var lower = word.toLowerCase();
    var pieces = HANGUL.test(lower)
      ? cutHangul(lower, context.vocab, context.tails)
      : [lower];
    var terms = [];
    for (var i = 0; i < pieces.length; i++) {
      var analysed = context.analyse ? context.analyse(pieces[i]) : [pieces[i]];
      for (var j = 0; j < analysed.length; j++)
        if (analysed[j] && terms.indexOf(analysed[j]) < 0) terms.push(analysed[j]);
    }
    return terms;
  }

  function install(lunr, data) {
    if (!lunr || lunr.QueryLexer.prototype.run.cloudnotes) return;
    var tails = {}, context = { tails: tails, vocab: null }, synonyms = data.synonyms || {};
    (data.tails || []).forEach(function (t) { tails[t] = true; });

    /* Index side: the other spellings go in at the position of the word (so the word is
     * what gets highlighted), ahead of the stop words and stemmers. */
    function synonymFilter(token) { return expand(token, synonyms); }
    lunr.Pipeline.registerFunction(synonymFilter, "cloudnotesSynonyms");
    var add = lunr.Builder.prototype.add;
    lunr.Builder.prototype.add = function () {
      if (this.pipeline._stack.indexOf(synonymFilter) < 0) {
        this.b(LENGTH_NORMALISATION);
        var first = this.pipeline._stack[0];
        if (first && /trimmer/i.test(first.label || "")) this.pipeline.after(first, synonymFilter);
        else this.pipeline._stack.unshift(synonymFilter);
      }
      return add.apply(this, arguments);
    };

    /* The index Material builds (one per worker) lends its terms and its pipeline. */
    var build = lunr.Builder.prototype.build;
    lunr.Builder.prototype.build = function () {
      var index = build.apply(this, arguments), pipeline = this.pipeline;
      context.vocab = new Vocabulary(Object.keys(index.invertedIndex));
      context.analyse = function (piece) {
        return pipeline.run([new lunr.Token(piece, {})]).map(String);
      };
      return index;
    };

    /* Material lexes every query word (then again the rewritten query): rewrite the terms of
     * the first pass; terms produced here, or carrying a wildcard, are left alone. Material
     * rebuilds each term as `word[:start] + term + word[end:]`: the new lexemes span the whole
     * word and carry their presence sign, so a hyphenated word (multi-tenant) becomes clean
     * terms instead of `multi-tenant` twice. */
    var produced = {};
    var run = lunr.QueryLexer.prototype.run;
    lunr.QueryLexer.prototype.run = function () {
      run.apply(this, arguments);
      if (!context.vocab) return;
      var lexemes = [], L = lunr.QueryLexer;
      for (var i = 0; i < this.lexemes.length; i++) {
        var lexeme = this.lexemes[i];
        if (lexeme.type !== L.TERM || /\*/.test(lexeme.str) || produced[lexeme.str]) {
          lexemes.push(lexeme);
          continue;
        }
        var before = this.lexemes[i - 1];
        var sign = before && before.type === L.PRESENCE ? before.str : "";
        var terms = analyseWord(lexeme.str, context);  // none for a stop word
        for (var j = 0; j < terms.length; j++) {
          // Each term twice: as a prefix (Material appends `*`), and exactly with a boost, so
          // the word itself counts more than the longer words it begins.
          var exact = terms[j] + "^" + EXACT_BOOST;
          produced[terms[j]] = produced[exact] = true;
          lexemes.push({ type: L.TERM, str: sign + terms[j], start: 0, end: this.str.length });
          lexemes.push({ type: L.TERM, str: sign + exact, start: 0, end: this.str.length });
        }
      }
      this.lexemes = lexemes;
    };
    lunr.QueryLexer.prototype.run.cloudnotes = true;
  }

  return { Vocabulary: Vocabulary, cutHangul: cutHangul, analyseWord: analyseWord,
           expand: expand, install: install };
})();
if (typeof module !== "undefined") module.exports = CloudnotesSearch;
