package org.causalrec.sim;

import java.util.List;
import java.util.SplittableRandom;

/** Category vocabularies the simulator writes item titles and descriptions from. */
final class Vocabulary {

  /** One category: its name, title nouns, adjectives and description topics. */
  record Category(String name, List<String> nouns, List<String> adjectives, List<String> topics) {}

  static final List<Category> CATEGORIES = List.of(
      new Category("books",
          List.of("novel", "memoir", "thriller", "anthology", "biography", "poetry collection", "mystery", "saga",
              "essay collection", "fantasy epic"),
          List.of("gripping", "award-winning", "haunting", "witty", "sweeping", "intimate", "classic", "dark"),
          List.of("reading", "storytelling", "literature", "detectives", "history", "family drama")),
      new Category("electronics",
          List.of("headphones", "smartwatch", "tablet", "bluetooth speaker", "laptop", "camera", "router",
              "e-reader", "charger", "monitor"),
          List.of("wireless", "noise-cancelling", "4K", "compact", "fast-charging", "waterproof", "smart", "portable"),
          List.of("gadgets", "music on the go", "streaming", "photography", "battery life", "home office")),
      new Category("kitchen",
          List.of("chef's knife", "cast iron skillet", "espresso machine", "blender", "dutch oven", "cutting board",
              "stand mixer", "kettle", "spice rack", "rice cooker"),
          List.of("stainless", "nonstick", "artisan", "professional", "ceramic", "hand-forged", "compact", "heavy-duty"),
          List.of("cooking", "baking", "coffee", "meal prep", "recipes", "dinner parties")),
      new Category("outdoors",
          List.of("tent", "hiking boots", "backpack", "sleeping bag", "trekking poles", "headlamp", "water filter",
              "rain jacket", "camping stove", "kayak paddle"),
          List.of("ultralight", "rugged", "insulated", "weatherproof", "breathable", "trail-ready", "packable", "durable"),
          List.of("hiking", "camping", "mountains", "trail running", "wild swimming", "backcountry trips")),
      new Category("music",
          List.of("vinyl record", "acoustic guitar", "keyboard", "drum kit", "ukulele", "microphone", "synthesizer",
              "violin", "turntable", "studio monitors"),
          List.of("vintage", "live", "remastered", "handmade", "analog", "beginner", "concert-grade", "soulful"),
          List.of("jazz", "rock", "songwriting", "home recording", "classical music", "jam sessions")),
      new Category("fashion",
          List.of("denim jacket", "sneakers", "scarf", "leather belt", "sundress", "wool coat", "handbag",
              "sunglasses", "linen shirt", "ankle boots"),
          List.of("slim-fit", "oversized", "organic cotton", "tailored", "retro", "minimalist", "cozy", "statement"),
          List.of("style", "streetwear", "summer outfits", "office wear", "weekend looks", "layering")),
      new Category("games",
          List.of("board game", "puzzle", "strategy game", "card game", "role-playing game", "video game",
              "party game", "chess set", "escape room kit", "dice set"),
          List.of("cooperative", "competitive", "family-friendly", "epic", "quick-play", "legendary", "tactical", "quirky"),
          List.of("game nights", "strategy", "puzzles", "fantasy worlds", "friends and family", "tabletop play")),
      new Category("beauty",
          List.of("face serum", "moisturizer", "lipstick", "perfume", "shampoo", "sunscreen", "face mask",
              "nail polish", "hair oil", "body lotion"),
          List.of("hydrating", "vegan", "fragrance-free", "radiant", "gentle", "long-lasting", "botanical", "nourishing"),
          List.of("skincare", "self-care", "glowing skin", "daily routines", "haircare", "makeup")));

  private static final List<String> BRANDS = List.of("Northwind", "Acme", "Lumen", "Fjord", "Kestrel", "Orchid",
      "Basalt", "Juniper", "Velvet", "Cobalt", "Meridian", "Sprout");

  private Vocabulary() {}

  static String pick(List<String> words, SplittableRandom rng) {
    return words.get(rng.nextInt(words.size()));
  }

  static String brand(SplittableRandom rng) {
    return pick(BRANDS, rng);
  }

  static String title(Category c, String brand, SplittableRandom rng) {
    String adj = pick(c.adjectives(), rng);
    String noun = pick(c.nouns(), rng);
    return brand + " " + Character.toUpperCase(adj.charAt(0)) + adj.substring(1) + " " + noun;
  }

  static String description(Category c, Category second, String title, int priceTier, SplittableRandom rng) {
    String topic = pick(c.topics(), rng);
    String adj = pick(c.adjectives(), rng);
    String extra = second == null ? "" : " Also great for " + pick(second.topics(), rng) + ".";
    String price = switch (priceTier) {
      case 1 -> "An affordable pick";
      case 2 -> "A mid-range favourite";
      default -> "A premium choice";
    };
    return price + " for anyone into " + topic + ": the " + title.toLowerCase() + " is " + adj
        + " and made for " + pick(c.topics(), rng) + "." + extra;
  }
}
