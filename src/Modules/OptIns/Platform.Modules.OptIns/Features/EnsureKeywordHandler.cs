using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.OptIns.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Features;

internal sealed class EnsureKeywordHandler(OptInsDbContext db, TimeProvider clock) : IRequestHandler<EnsureKeyword, bool>
{
    public async Task<bool> Handle(EnsureKeyword request, CancellationToken cancellationToken)
    {
        var word = Keywords.Normalize(request.Word);
        if (Keywords.Problem(word) is { } problem)
        {
            throw new RequestValidationException(nameof(request.Word), problem);
        }

        if (await db.Keywords.AnyAsync(k => k.PlatformNumber == request.PlatformNumber && k.Word == word && k.DeletedAt == null, cancellationToken))
        {
            return false;
        }

        var now = clock.GetUtcNow();
        db.Keywords.Add(new Keyword
        {
            Id = Guid.CreateVersion7(),
            CompanyId = request.CompanyId,
            PlatformNumber = request.PlatformNumber,
            Word = word,
            Description = request.Description,
            AutoReply = request.AutoReply,
            CreatedAt = now,
            UpdatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}
