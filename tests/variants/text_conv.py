"""Part ``text_conv``'s mutants and honest variants. ``mutants.py`` and ``honest.py`` gather every
part's file and say what each must do."""

from variant_kinds import M, V

MUTANTS = [
    M("textcnn_pools_padding", "text_conv.py",
      "pooled.append(H.masked_fill(~inside.unsqueeze(1), 0.0).amax(dim=2))",
      "pooled.append(H.amax(dim=2))", ("textcnn.shift_invariance", "textcnn.padding_length",
                                       "textcnn.short_sentences"), "padding windows pooled",
      misconceptions=("textcnn_max_over_padding",)),
    M("textcnn_mean_pool", "text_conv.py",
      "pooled.append(H.masked_fill(~inside.unsqueeze(1), 0.0).amax(dim=2))",
      "pooled.append(H.masked_fill(~inside.unsqueeze(1), 0.0).mean(dim=2))",
      ("textcnn.padding_length",), "mean over time counts the padding",
      misconceptions=("textcnn_mean_pool",)),
    M("textcnn_d2l_average_pool", "text_conv.py",
      "pooled.append(H.masked_fill(~inside.unsqueeze(1), 0.0).amax(dim=2))",
      "pooled.append(H.mean(dim=2))",
      ("textcnn.shift_invariance", "textcnn.padding_length", "textcnn.short_sentences"),
      "d2l 16.3's PyTorch code (nn.AdaptiveAvgPool1d(1)): an average over every window of the "
      "row, padding included", misconceptions=("textcnn_mean_pool",)),
    M("textcnn_unigrams", "text_conv.py",
      "self.kernel_sizes = tuple(int(k) for k in kernel_sizes)",
      "self.kernel_sizes = tuple(1 for k in kernel_sizes)", ("textcnn.accuracy",),
      "width-1 kernels see words, not n-grams, so negation is lost"),
    M("textcnn_cat_wrong_dim", "text_conv.py", "torch.cat(pooled, dim=1)",
      "torch.cat(pooled, dim=0)", ("textcnn.shapes", "textcnn.accuracy"),
      "concatenates the features along the batch"),
    M("textcnn_mask_on_cpu", "text_conv.py", "real = tokens != self.padding_idx  # (B, L)",
      "real = (tokens != self.padding_idx).cpu()  # (B, L)", ("device.text_conv",),
      "builds the padding mask on the CPU"),
    M("textcnn_drops_short", "text_conv.py",
      "pooled.append(H.masked_fill(~inside.unsqueeze(1), 0.0).amax(dim=2))",
      "pooled.append(H.masked_fill(~inside.unsqueeze(1), float('-inf')).amax(dim=2))",
      ("textcnn.short_sentences",), "-inf for sentences shorter than the kernel"),
    M("textcnn_constant", "text_conv.py",
      "return self.decoder(self.dropout(torch.cat(pooled, dim=1)))",
      "return self.decoder.bias.expand(tokens.shape[0], -1)",
      ("textcnn.shapes", "textcnn.shift_invariance", "textcnn.padding_length",
       "textcnn.short_sentences", "textcnn.accuracy", "device.text_conv"),
      "hollow: a learned bias whatever the sentence, so the logits ignore the input"),
    # contract clauses (issue 9)
    M("textcnn_no_internal_padding", "text_conv.py",
      "        if tokens.shape[1] < k_max:  # Conv1d needs at least k positions\n",
      "        if False:  # (forgets rows shorter than the widest kernel)\n",
      ("textcnn.rows_shorter_than_kernels",), "crashes on rows shorter than the widest kernel"),
    # found by mutation testing (scripts/mutation.py)
    M("textcnn_pads_with_zero", "text_conv.py",
      "tokens = F.pad(tokens, (0, k_max - tokens.shape[1]), value=self.padding_idx)",
      "tokens = F.pad(tokens, (0, k_max - tokens.shape[1]))", ("textcnn.padding_idx",),
      "pads short rows with 0 (F.pad's default), a word when padding_idx is not 0"),
    M("textcnn_padding_is_zero", "text_conv.py", "real = tokens != self.padding_idx  # (B, L)",
      "real = tokens != 0  # (B, L)", ("textcnn.padding_idx",),
      "takes token 0 for padding whatever padding_idx says"),
]

VARIANTS = [
    V("textcnn_kim_cumsum_mask", "text_conv", '''
class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_size, kernel_sizes, num_channels, num_classes,
                 padding_idx=0):
        super().__init__()
        if len(kernel_sizes) != len(num_channels) or not kernel_sizes:
            raise ValueError("kernel_sizes and num_channels must be non-empty and equally long")
        if min(kernel_sizes) < 1 or min(num_channels) < 1:
            raise ValueError("kernel sizes and channel counts must be >= 1")
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.padding_idx = padding_idx
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=padding_idx)
        self.convs = nn.ModuleList([nn.Conv1d(embed_size, c, k)
                                    for k, c in zip(self.kernel_sizes, num_channels)])
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(sum(num_channels), num_classes)

    def forward(self, tokens):
        if tokens.dim() != 2 or tokens.is_floating_point():
            raise ValueError(f"tokens must be a 2-D integer tensor, got {tokens.dtype} "
                             f"of shape {tuple(tokens.shape)}")
        widest = max(self.kernel_sizes)
        if tokens.shape[1] < widest:
            tokens = F.pad(tokens, (0, widest - tokens.shape[1]), value=self.padding_idx)
        # pads_before[:, t] = number of padding tokens among the first t
        pads_before = F.pad((tokens == self.padding_idx).long().cumsum(dim=1), (1, 0))
        x = self.embedding(tokens).permute(0, 2, 1)  # (B, E, L)
        pooled = []
        for k, conv in zip(self.kernel_sizes, self.convs):
            h = conv(x)  # (B, C, L - k + 1)
            touches_padding = (pads_before[:, k:] - pads_before[:, :-k]) > 0
            h = h.masked_fill(touches_padding.unsqueeze(1), float("-inf"))
            # max-over-time, then ReLU (they commute); relu(-inf) = 0 when no window fits
            pooled.append(F.relu(F.max_pool1d(h, h.shape[2]).squeeze(2)))
        return self.fc(self.dropout(torch.cat(pooled, dim=1)))
''', "Kim (2014): F.pad to the widest kernel, windows touching padding found with a cumsum "
       "and set to -inf before F.max_pool1d over time, ReLU after the pooling"),
    V("textcnn_constantpad_zero_embedding", "text_conv", '''
class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_size, kernel_sizes, num_channels, num_classes,
                 padding_idx=0):
        super().__init__()
        if len(kernel_sizes) != len(num_channels) or not kernel_sizes:
            raise ValueError("kernel_sizes and num_channels must be non-empty and equally long")
        if min(kernel_sizes) < 1 or min(num_channels) < 1:
            raise ValueError("kernel sizes and channel counts must be >= 1")
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.padding_idx = padding_idx
        # padding_idx embeds to a zero vector that training never moves; every branch pads
        # the row with k more zero vectors on each side, so some window always sees only
        # padding, and the windows that see the sentence are the same wherever it sits
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=padding_idx)
        self.branches = nn.ModuleList(
            nn.Sequential(nn.ConstantPad1d(k, 0.0), nn.Conv1d(embed_size, c, k), nn.ReLU(),
                          nn.AdaptiveMaxPool1d(1), nn.Flatten())
            for k, c in zip(self.kernel_sizes, num_channels)
        )
        self.dropout = nn.Dropout(0.5)
        self.decoder = nn.Linear(sum(num_channels), num_classes)

    def forward(self, tokens):
        if tokens.dim() != 2 or tokens.is_floating_point():
            raise ValueError(f"tokens must be a 2-D integer tensor, got {tokens.dtype} "
                             f"of shape {tuple(tokens.shape)}")
        E = self.embedding(tokens).transpose(1, 2)  # (B, E, L)
        return self.decoder(self.dropout(torch.cat([b(E) for b in self.branches], dim=1)))
''', "padding inside with nn.ConstantPad1d(k) on the embeddings: with padding_idx's zero "
       "embedding every window's content is the same wherever the sentence sits"),
    V("textcnn_mask_counted_by_conv1d", "text_conv", '''
class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_size, kernel_sizes, num_channels, num_classes,
                 padding_idx=0):
        super().__init__()
        if len(kernel_sizes) != len(num_channels) or not kernel_sizes:
            raise ValueError("kernel_sizes and num_channels must be non-empty and equally long")
        if min(kernel_sizes) < 1 or min(num_channels) < 1:
            raise ValueError("kernel sizes and channel counts must be >= 1")
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.padding_idx = padding_idx
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=padding_idx)
        self.convs = nn.ModuleList(nn.Conv1d(embed_size, c, k)
                                   for k, c in zip(self.kernel_sizes, num_channels))
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(sum(num_channels), num_classes)

    def forward(self, tokens):
        if tokens.dim() != 2 or tokens.is_floating_point():
            raise ValueError(f"tokens must be a 2-D integer tensor, got {tokens.dtype} "
                             f"of shape {tuple(tokens.shape)}")
        if (tokens < 0).any() or (tokens >= self.embedding.num_embeddings).any():
            raise ValueError("token ids must lie in [0, vocab_size)")
        widest = max(self.kernel_sizes)
        if tokens.size(1) < widest:
            fill = tokens.new_full((tokens.size(0), widest - tokens.size(1)), self.padding_idx)
            tokens = torch.cat([tokens, fill], dim=1)
        mask = (tokens != self.padding_idx).to(self.fc.weight.dtype).unsqueeze(1)  # (B, 1, L)
        emb = self.embedding(tokens).transpose(1, 2)
        outs = []
        for conv in self.convs:
            k = conv.kernel_size[0]
            real = F.conv1d(mask, mask.new_ones(1, 1, k))  # real tokens under each window
            h = F.relu(conv(emb)) * (real == k)  # a window with padding counts as 0
            outs.append(h.max(dim=2).values)
        return self.fc(self.dropout(torch.cat(outs, 1)))
''', "windows without padding found by convolving the padding mask with ones (F.conv1d "
       "inside TextCNN, which its rules allow), rows lengthened with torch.cat; token ids "
       "validated with `if (...).any(): raise`"),
]
